//! The browser entry. Pages are rendered on the server only; what is interactive on them is
//! an island (`#[island(lazy)]` in the app), which the script Leptos puts in the page
//! hydrates once this wasm has loaded, each after its own chunk. The app crate's islands
//! are exported from here by `use`.

#[allow(unused_imports)]
use app::*;
use std::time::Duration;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // The page script hydrates the islands after this returns, each once its chunk is in.
    leptos::prelude::set_timeout(mark_once_islands_hydrated, Duration::ZERO);
}

/// Marks the page hydrated once every island on it has (browser tests wait for the mark).
fn mark_once_islands_hydrated() {
    let islands = leptos::prelude::document()
        .query_selector_all("leptos-island")
        .map(|found| found.length() as usize)
        .unwrap_or(0);
    if app::layout::hydrated_islands() >= islands {
        app::layout::mark_hydrated();
    } else {
        leptos::prelude::set_timeout(mark_once_islands_hydrated, Duration::from_millis(20));
    }
}
