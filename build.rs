// `sqlx::migrate!` embeds the migration folders at compile time; a migration file
// added later must rebuild the crate, so cargo watches the folders.
//
// The shipped mapping folders (`mappings/<source>-<target>`) are listed into the build
// so `ledgerbridge connectors` can say which pairs come with mappings, wherever the
// binary runs.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=mappings");
    let mut folders: Vec<String> = std::fs::read_dir("mappings")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("mapping_folders.rs");
    let list = folders
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(out, format!("&[{list}]\n")).expect("OUT_DIR is writable");
}
