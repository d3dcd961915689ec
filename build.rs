// `sqlx::migrate!` embeds the migration folders at compile time; a migration file
// added later must rebuild the crate, so cargo watches the folders.
//
// The shipped mapping folders (`mappings/<source>-<target>`) are built into the binary,
// every file of them, so `ledgerbridge init` and `ledgerbridge demo` work wherever the
// binary runs, with no checkout next to it. This writes the list of `include_str!`s the
// crate includes; cargo watches every folder and file so an edited mapping rebuilds.
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=mappings");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut folders = String::from("&[\n");
    for folder in sorted_entries(&root.join("mappings"), true) {
        println!("cargo:rerun-if-changed={}", folder.display());
        let name = file_name(&folder);
        folders.push_str(&format!(
            "    ShippedMappings {{ name: {name:?}, files: &[\n"
        ));
        for file in sorted_entries(&folder, false) {
            println!("cargo:rerun-if-changed={}", file.display());
            folders.push_str(&format!(
                "        ({:?}, include_str!({:?})),\n",
                file_name(&file),
                file.display().to_string()
            ));
        }
        folders.push_str("    ] },\n");
    }
    folders.push_str("]\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("shipped_mappings.rs");
    std::fs::write(out, folders).expect("OUT_DIR is writable");
}

/// The folders (`dirs`) or files directly under `dir`, by name; none when it is missing.
fn sorted_entries(dir: &Path, dirs: bool) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir() == dirs)
                .filter(|p| !file_name(p).starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    entries
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .expect("mapping file names are UTF-8")
        .to_string()
}
