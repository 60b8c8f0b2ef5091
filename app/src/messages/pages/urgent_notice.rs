//! The urgent-needs guidance every compose and reply page shows (DESIGN.md §2 "Urgent
//! needs"): messages are for non-urgent needs, the care team may take up to 3 business
//! days, the Veterans Crisis Line for a crisis, 911 for an emergency.
//!
//! The wording follows VA.gov's secure messaging pages. The crisis numbers are links so a
//! phone can call or text in one tap.

use leptos::prelude::*;

/// The Veterans Crisis Line's online chat.
pub const CRISIS_CHAT_URL: &str = "https://www.veteranscrisisline.net/get-help-now/chat/";

/// The ways to reach the Veterans Crisis Line, as sentences with links: call 988 and press
/// 1, text 838255, chat online. Shared by the notice and the crisis prompt before sending.
#[component]
pub fn CrisisLineContacts() -> impl IntoView {
    view! {
        <ul class="usa-list">
            <li>"Call " <a href="tel:988">"988 and press 1"</a></li>
            <li>"Text " <a href="sms:838255">"838255"</a></li>
            <li>
                <a href=CRISIS_CHAT_URL rel="noopener noreferrer" target="_blank">
                    "Chat online"
                    <span class="usa-sr-only">" (opens in a new tab)"</span>
                </a>
            </li>
        </ul>
    }
}

/// The guidance box. `id` names its heading, so two forms on one page stay unique.
#[component]
pub fn UrgentNotice(#[prop(optional, into)] id: Option<String>) -> impl IntoView {
    let heading_id = id.unwrap_or_else(|| "urgent-needs-heading".to_string());
    let labelled_by = heading_id.clone();
    view! {
        <section class="usa-summary-box sm-urgent" aria-labelledby=labelled_by>
            <div class="usa-summary-box__body">
                <h2 class="usa-summary-box__heading" id=heading_id>
                    "Only use messages for non-urgent needs"
                </h2>
                <div class="usa-summary-box__text">
                    <p>"Your care team may take up to 3 business days to reply."</p>
                    <p>
                        <strong>"If you're in crisis or having thoughts of suicide,"</strong>
                        " connect with a caring, qualified responder at the Veterans Crisis Line:"
                    </p>
                    <CrisisLineContacts />
                    <p>
                        <strong>"If you think your life or health is in danger,"</strong>
                        " call " <a href="tel:911">"911"</a> " or go to the nearest emergency room."
                    </p>
                </div>
            </div>
        </section>
    }
}
