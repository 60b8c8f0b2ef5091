//! Keyboard shortcuts for the team inbox and the thread page: j/k move between
//! conversations, Enter opens (the focused link does that itself), r goes to the reply box,
//! a is "Assign to me", e is "Mark complete", ? shows the list of keys. Keys typed into a
//! field are left alone. Each shortcut only moves focus or presses a button that is on the
//! page, so everything stays reachable by mouse and screen reader as well; the "Keyboard
//! shortcuts" button opens the same list.

use leptos::prelude::*;

/// The keys and what they do, as the help lists them.
pub const SHORTCUTS: [(&str, &str); 6] = [
    ("j", "Next conversation in the list"),
    ("k", "Previous conversation in the list"),
    ("Enter", "Open the conversation"),
    ("r", "Go to the reply box"),
    ("a", "Assign to me"),
    ("e", "Mark complete"),
];

/// An island: its keys act on whatever list and buttons the page has.
#[island(lazy)]
pub fn TeamKeys() -> impl IntoView {
    crate::layout::island_hydrated();
    let open = RwSignal::new(false);
    let close_button = NodeRef::<leptos::html::Button>::new();
    let opener = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
    });
    #[cfg(feature = "hydrate")]
    browser::listen(open);
    let close = move || {
        open.set(false);
        if let Some(button) = opener.get_untracked() {
            let _ = button.focus();
        }
    };
    view! {
        <button
            type="button"
            class="usa-button usa-button--unstyled sm-keys-button"
            node_ref=opener
            aria-haspopup="dialog"
            on:click=move |_| open.set(true)
        >
            "Keyboard shortcuts"
        </button>
        <Show when=move || open.get()>
            <div
                class="sm-keys-dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="keys-heading"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            >
                <h2 id="keys-heading">"Keyboard shortcuts"</h2>
                <p>"These keys work when you're not typing in a field."</p>
                <dl class="sm-keys-list">
                    {SHORTCUTS
                        .iter()
                        .map(|(key, what)| view! { <div><dt><kbd>{*key}</kbd></dt><dd>{*what}</dd></div> })
                        .collect_view()}
                    <div><dt><kbd>"?"</kbd></dt><dd>"Show this list"</dd></div>
                </dl>
                <button type="button" class="usa-button" node_ref=close_button on:click=move |_| close()>
                    "Close"
                </button>
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Element, HtmlElement};

    pub fn listen(open: RwSignal<bool>) {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing(&ev) {
                return;
            }
            let handled = match ev.key().as_str() {
                "j" => move_focus(1),
                "k" => move_focus(-1),
                "r" => focus_selector("#body"),
                "a" => press_assign(),
                "e" => click_selector("#mark-complete"),
                "?" => {
                    open.set(true);
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
        });
        on_cleanup(move || handle.remove());
    }

    /// The key went to a field (or the help dialog's own buttons handle it).
    fn typing(ev: &leptos::ev::KeyboardEvent) -> bool {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return false;
        };
        let tag = target.tag_name().to_ascii_lowercase();
        matches!(tag.as_str(), "input" | "textarea" | "select")
            || target.has_attribute("contenteditable")
    }

    /// The conversation links of the list, in order. (Walks the rows as siblings: the
    /// `NodeList` binding is not compiled into the wasm.)
    fn rows() -> Vec<HtmlElement> {
        let mut links = Vec::new();
        let mut row = document().query_selector(".sm-team-row").ok().flatten();
        while let Some(current) = row {
            if let Some(link) = current
                .query_selector(".sm-team-row__open")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                links.push(link);
            }
            row = current.next_element_sibling();
        }
        links
    }

    /// Focus to the next (`step` 1) or previous (-1) conversation link, starting from the
    /// focused one, or from the open conversation's.
    fn move_focus(step: i32) -> bool {
        let rows = rows();
        if rows.is_empty() {
            return false;
        }
        let active = document().active_element();
        let position = rows
            .iter()
            .position(|row| {
                active
                    .as_ref()
                    .is_some_and(|a| a.is_same_node(Some(row.as_ref())))
            })
            .or_else(|| {
                rows.iter()
                    .position(|row| row.get_attribute("aria-current").is_some())
            });
        let next = match position {
            Some(i) => (i as i32 + step).clamp(0, rows.len() as i32 - 1) as usize,
            None if step > 0 => 0,
            None => rows.len() - 1,
        };
        let _ = rows[next].focus();
        if let Some(row) = rows[next].closest(".sm-team-row").ok().flatten() {
            row.scroll_into_view_with_bool(false);
        }
        true
    }

    fn focus_selector(selector: &str) -> bool {
        match document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            Some(element) => {
                let _ = element.focus();
                true
            }
            None => false,
        }
    }

    fn click_selector(selector: &str) -> bool {
        match document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            Some(element) => {
                element.click();
                true
            }
            None => false,
        }
    }

    /// "Assign to me" for the focused row of the list when it has the button, else for the
    /// open conversation.
    fn press_assign() -> bool {
        let in_row = document()
            .active_element()
            .and_then(|a| a.closest(".sm-team-row").ok().flatten())
            .and_then(|row| row.query_selector("[data-key=assign]").ok().flatten())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        match in_row {
            Some(button) => {
                button.click();
                true
            }
            None => click_selector("#assign-to-me"),
        }
    }
}
