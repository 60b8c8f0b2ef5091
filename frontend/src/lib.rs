//! The browser entry. Pages are rendered on the server only; what is interactive on them is
//! an island (`#[island]` in the app), which the script Leptos puts in the page hydrates
//! once this wasm has loaded. The app crate's islands are exported from it by `use`.

#[allow(unused_imports)]
use app::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // The page script hydrates the islands right after this returns, in the same task; the
    // page counts as hydrated once that is done and the effects the islands scheduled ran.
    leptos::prelude::set_timeout(
        || {
            wasm_bindgen_futures::spawn_local(async {
                leptos::task::tick().await;
                app::layout::mark_hydrated();
            })
        },
        std::time::Duration::ZERO,
    );
}
