//! `/demo/mail`: in demo mode without an SMTP server, the emails the app would have sent,
//! newest first, with their links, so a newcomer can follow an invitation or a reset. Any
//! signed-in demo account may look; outside demo mode the page does not exist (404).

use super::DemoMail;
use crate::auth::Area;
use crate::error::AppError;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos_meta::Title;

/// The demo shows at most this many emails, newest first.
#[cfg(feature = "ssr")]
const SHOWN: i64 = 50;

#[server(endpoint = "demo_mails", output = leptos::server_fn::codec::Postcard)]
pub async fn demo_mails() -> Result<Vec<DemoMail>, AppError> {
    use crate::server::access::{app_state, signed_in};
    signed_in()?;
    let state = app_state()?;
    if !state.config.demo {
        return Err(AppError::NotFound);
    }
    crate::email::ssr::outbox::demo_mails(&state.db, SHOWN).await
}

#[component]
pub fn DemoMailPage() -> impl IntoView {
    view! {
        <Gate area=Area::Account>
            <Title text="Demo mail" />
            <h1>"Demo mail"</h1>
            <div class="usa-alert usa-alert--info usa-alert--slim">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">"This page exists only in the demo. A real installation sends these emails to each person's own address, and nobody else can see them."</p>
                </div>
            </div>
            <Mails />
        </Gate>
    }
}

/// Inside the gate, so a signed-out visit never calls the server function.
#[component]
fn Mails() -> impl IntoView {
    let data = crate::ui::page_data(|| (), |_| demo_mails());
    crate::ui::loaded(data, "Loading emails…", |mails| {
        if mails.is_empty() {
            return view! { <p>"No emails yet. Invite someone or reset a password in the administration console, and the email appears here."</p> }.into_any();
        }
        view! {
            <ol class="usa-list usa-list--unstyled sm-demo-mail">
                {mails.into_iter().map(|mail| view! { <Mail mail /> }).collect_view()}
            </ol>
        }
        .into_any()
    })
}

#[component]
fn Mail(mail: DemoMail) -> impl IntoView {
    let heading = format!("demo-mail-{}", mail.id);
    let labelled_by = heading.clone();
    let body = if mail.delivered {
        view! { <p><em>"Delivered through the SMTP server; its text is no longer kept."</em></p> }
            .into_any()
    } else {
        let lines = mail
            .text
            .lines()
            .map(|line| line.to_string())
            .collect::<Vec<_>>();
        view! {
            <div class="sm-demo-mail__text">
                {lines.into_iter().map(|line| {
                    if line.starts_with("https://") || line.starts_with("http://") {
                        view! { <p><a href=line.clone()>{line.clone()}</a></p> }.into_any()
                    } else if line.is_empty() {
                        ().into_any()
                    } else {
                        view! { <p>{line}</p> }.into_any()
                    }
                }).collect_view()}
            </div>
        }
        .into_any()
    };
    view! {
        <li>
            <article class="usa-summary-box sm-demo-mail__item" aria-labelledby=labelled_by>
                <h2 class="usa-summary-box__heading" id=heading>{mail.subject}</h2>
                <p>{format!("To: {}", mail.to)}</p>
                {body}
            </article>
        </li>
    }
}
