//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!`
//! embeds the migrations at compile time, and Cargo does not otherwise know
//! to look at the folder (sqlx's advice).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
