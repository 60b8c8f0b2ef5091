//! Page renders never wait forever on what another part of the process is doing.
//!
//! Building the router finds the app's routes by running the app once with data loading
//! switched off, and Leptos switches it off for the whole process: a page whose data
//! starts loading at that moment would wait forever (leptos-rs/leptos#4773), and the page
//! deadline would answer 503. Every test builds its own router, so with tests in parallel
//! that would strike now and then; `server::router` finds the routes once per process.

use axum::http::StatusCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Pages with data of their own, for a Veteran.
const PAGES: [&str; 4] = ["/inbox", "/sent", "/messages/1", "/settings"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_another_router_is_built() {
    let app = crate::common::demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;

    let done = Arc::new(AtomicBool::new(false));
    let building = tokio::task::spawn_blocking({
        let (state, settings, done) = (app.state.clone(), app.settings.clone(), done.clone());
        move || {
            let mut built = 0;
            while !done.load(Ordering::Relaxed) {
                drop(server::router(state.clone(), &settings));
                built += 1;
            }
            built
        }
    });

    let mut refused = Vec::new();
    for round in 0..10 {
        let answers = futures_util::future::join_all(
            PAGES
                .iter()
                .map(|path| async { (*path, app.get(path, Some(&cookie)).await) }),
        )
        .await;
        for (path, answer) in answers {
            if answer.status != StatusCode::OK {
                refused.push(format!("round {round}: {path} answered {}", answer.status));
            }
        }
    }
    done.store(true, Ordering::Relaxed);
    let built = building.await.unwrap();

    assert!(built > 0, "a router was built while the pages rendered");
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}
