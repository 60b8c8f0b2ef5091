//! The status line after a successful change ("The care team was saved."): a live region
//! that is always on the page, so a screen reader hears the sentence when it appears.

use leptos::prelude::*;

/// Shows `text` as a slim USWDS success alert inside a `role="status"` region, empty while
/// `text` gives nothing.
#[component]
pub fn SuccessStatus<F>(text: F) -> impl IntoView
where
    F: Fn() -> Option<String> + Send + Sync + 'static,
{
    view! {
        <div role="status" class="sm-status">
            {move || text().map(|text| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">{text}</p>
                    </div>
                </div>
            })}
        </div>
    }
}
