//! Tauri's build step for the desktop window: reads `tauri.conf.json` (name, version, icons, bundle settings) and
//! prepares what `tauri::generate_context!()` embeds.
fn main() {
    tauri_build::build();
}
