//! Passkeys' parts of other pages: the "Passkeys" section of `/settings`, "Sign in with a passkey"
//! on `/sign-in`, and "Use a passkey" on the code step. The buttons need the page's script
//! (`public/passkeys.js`, loaded by [`use_passkey_script`]), so they appear only once it
//! runs; without it the section says so, and removing a passkey is a plain form post.

use super::api::{my_passkeys, PasskeyRemove};
use super::PasskeyListed;
use crate::ui::posted_error;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// Where the browser's side of passkeys is served from.
#[cfg(feature = "hydrate")]
const SCRIPT: &str = "/assets/passkeys.js";

/// Loads `public/passkeys.js` once the page's own script runs; true from then on. Never on
/// the server, so the page first renders without the buttons that need it.
pub fn use_passkey_script() -> ReadSignal<bool> {
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let document = document();
            let loaded = document
                .query_selector(&format!("script[src=\"{SCRIPT}\"]"))
                .ok()
                .flatten()
                .is_some();
            if !loaded {
                if let (Ok(script), Ok(Some(head))) = (
                    document.create_element("script"),
                    document.query_selector("head"),
                ) {
                    let _ = script.set_attribute("type", "module");
                    let _ = script.set_attribute("src", SCRIPT);
                    let _ = head.append_child(&script);
                }
            }
        }
        set_ready.set(true);
    });
    ready
}

/// Where a passkey button's words of failure go: announced, and empty until then.
#[component]
fn PasskeyError() -> impl IntoView {
    view! { <p class="usa-error-message" data-passkey-error="" role="alert" hidden></p> }
}

/// "Sign in with a passkey" on `/sign-in`, above the password form. An island, as every
/// part that needs the script is.
#[island(lazy)]
pub fn PasskeySignIn() -> impl IntoView {
    crate::layout::island_hydrated();
    let ready = use_passkey_script();
    view! {
        <form class="sm-passkey-sign-in" hidden=move || !ready.get()>
            <PasskeyError />
            <button type="button" class="usa-button usa-button--outline" data-passkey="sign-in">
                "Sign in with a passkey"
            </button>
        </form>
    }
}

/// "Use a passkey" on the code step, for a person with a passkey.
#[island(lazy)]
pub fn PasskeySecondStep(only_way: bool) -> impl IntoView {
    crate::layout::island_hydrated();
    let ready = use_passkey_script();
    let text = if only_way {
        "Your password was right. Now use your passkey: your phone or computer will ask you to unlock it, or to touch your security key."
    } else {
        "Or use one of your passkeys instead of a code."
    };
    view! {
        {(!only_way).then(|| view! { <h2>"Use a passkey"</h2> })}
        <p>{text}</p>
        <p hidden=move || ready.get()>"Using a passkey needs your browser's JavaScript, which hasn't loaded."</p>
        <form hidden=move || !ready.get()>
            <PasskeyError />
            <button type="button" class="usa-button" class:usa-button--outline=!only_way data-passkey="second-step">
                "Use a passkey"
            </button>
        </form>
    }
}

/// The "Passkeys" section of `/settings`.
#[component]
pub fn PasskeySettings() -> impl IntoView {
    let passkeys = crate::ui::page_data(|| (), |_| my_passkeys());
    let error = StoredValue::new(posted_error(&[PasskeyRemove::PATH]));
    let done = use_query_map().read_untracked().get("passkey");
    let notice = match done.as_deref() {
        Some("added") => Some("Your passkey was added. You can now use it to sign in."),
        Some("removed") => Some("The passkey was removed. It can't be used to sign in any more."),
        _ => None,
    };
    view! {
        <section class="sm-settings-section" aria-labelledby="passkeys-heading" id="passkeys">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            {notice.map(|text| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                    <div class="usa-alert__body"><p class="usa-alert__text">{text}</p></div>
                </div>
            })}
            {move || error.get_value().map(|error| view! {
                <p class="usa-error-message" role="alert">{error.to_string()}</p>
            })}
            <p>"A passkey signs you in with your phone's or computer's screen lock (your fingerprint, face or PIN) or a security key, instead of your password and a code. It can't be guessed or stolen by a fake website."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match passkeys.await {
                        Ok(list) => view! { <PasskeyList list /> }.into_any(),
                        Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <h3>"Add a passkey"</h3>
            <PasskeyAdd />
        </section>
    }
}

/// "Add a passkey": a name and the button, once the script runs.
#[island(lazy)]
fn PasskeyAdd() -> impl IntoView {
    crate::layout::island_hydrated();
    let ready = use_passkey_script();
    view! {
            <p hidden=move || ready.get()>"Adding a passkey needs your browser's JavaScript, which hasn't loaded."</p>
        <form class="usa-form" hidden=move || !ready.get()>
            <div class="usa-form-group">
                <label class="usa-label" for="passkey_name">"Passkey name"</label>
                <span class="usa-hint" id="passkey_name-hint">"To tell your passkeys apart, like \u{201c}My phone\u{201d} or \u{201c}Work laptop\u{201d}."</span>
                <PasskeyError />
                <input
                    class="usa-input"
                    id="passkey_name"
                    name="passkey_name"
                    type="text"
                    maxlength=super::NAME_MAX
                    autocomplete="off"
                    aria-describedby="passkey_name-hint"
                />
            </div>
            <button type="button" class="usa-button" data-passkey="add">"Add a passkey"</button>
        </form>
    }
}

#[component]
fn PasskeyList(list: Vec<PasskeyListed>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p>"You haven't added a passkey."</p> }.into_any();
    }
    view! {
        <table class="usa-table usa-table--borderless sm-passkeys">
            <caption class="usa-sr-only">"Your passkeys"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Added"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="usa-sr-only">"Remove"</span></th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|passkey| {
                    let label = format!("Remove {}", passkey.name);
                    view! {
                        <tr>
                            <th scope="row">{passkey.name.clone()}</th>
                            <td>{passkey.added}</td>
                            <td>{passkey.last_used.unwrap_or_else(|| "Never".to_string())}</td>
                            <td>
                                <form method="post" action=PasskeyRemove::PATH>
                                    <input type="hidden" name="id" value=passkey.id />
                                    <button type="submit" class="usa-button usa-button--unstyled" aria-label=label>"Remove"</button>
                                </form>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
