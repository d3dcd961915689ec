// `sqlx::migrate!` embeds the migration folders at compile time; a migration file
// added later must rebuild the crate, so cargo watches the folders.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
