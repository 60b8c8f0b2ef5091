//! The browser entry: hydrates the server-rendered page.

use leptos::tachys::dom::body;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (app/src/routes.rs): hydration waits for the page's chunk, so it
    // runs as a task, and the page counts as hydrated only once that is done and the
    // effects it scheduled have run.
    wasm_bindgen_futures::spawn_local(async {
        let owner = leptos::mount::hydrate_from_async(body(), app::App).await;
        owner.forget();
        leptos::task::tick().await;
        app::layout::mark_hydrated();
    });
}
