//! The pages and page parts of two-step verification: the sign-in code step, the required
//! set-up page, the section of `/settings`, and recovery codes.

pub mod code;
pub mod recovery;
pub mod set_up;
pub mod settings;

use leptos::prelude::*;

/// The "Authentication code" field (DESIGN.md §5), labelled, with its hint and error tied
/// to it. `one-time-code` lets a phone offer the code; `numeric` brings up the number pad.
#[component]
pub fn CodeField(hint: &'static str, error: Option<String>) -> impl IntoView {
    let has_error = error.is_some();
    let describedby = if has_error {
        "code-hint code-error"
    } else {
        "code-hint"
    };
    view! {
        <div class="usa-form-group" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for="code">"Authentication code"</label>
            <span class="usa-hint" id="code-hint">{hint}</span>
            {error.map(|message| view! {
                <span class="usa-error-message" id="code-error" role="alert">
                    <span class="usa-sr-only">"Error: "</span>{message}
                </span>
            })}
            <input
                class="usa-input sm-code-input"
                class:usa-input--error=has_error
                id="code"
                name="code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                spellcheck="false"
                aria-invalid=has_error.to_string()
                aria-describedby=describedby
            />
        </div>
    }
}
