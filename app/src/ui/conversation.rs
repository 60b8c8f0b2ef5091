//! What a conversation looks like wherever it is shown, on screen and on paper: one
//! message as read ([`MessageItem`]), and the frame of a printable page ([`PrintFrame`]).
//! The Veteran's and the care team's thread pages and printouts draw their messages with
//! these, so the two sides never drift apart.

use crate::messages::MessageView;
use leptos::prelude::*;

/// One message in a conversation's list (`<li>`): who wrote it, when, the text as typed,
/// the signature, the files, and `status` ("Opened by …") when the viewer's side shows it.
/// An internal note is labelled so it cannot be taken for a message the Veteran saw.
#[component]
pub fn MessageItem(
    message: MessageView,
    when: String,
    status: Option<&'static str>,
) -> impl IntoView {
    let from = message.sent_by_line();
    let note = message.internal_note;
    view! {
        <li class="sm-message" class:sm-message--team=message.from_team && !note class:sm-message--note=note>
            {note.then(|| view! {
                <p class="sm-note-label"><strong>"Internal note — not visible to the Veteran"</strong></p>
            })}
            <p class="sm-message__from"><strong>{from}</strong></p>
            <p class="sm-message__date">{when}</p>
            // Plain text, escaped by the renderer; CSS keeps the line breaks as typed.
            <div class="sm-message__body">{message.body}</div>
            {message.signature.map(|signature| view! { <p class="sm-message__signature">{signature}</p> })}
            <crate::attachments::list::AttachmentList attachments=message.attachments />
            {status.map(|status| view! { <p class="sm-message__status">{status}</p> })}
        </li>
    }
}

/// A page laid out for paper: a line for the screen only (how to print, the way back,
/// and whatever choices the page offers in `tools`), then the printable content.
#[component]
pub fn PrintFrame(
    /// Where "Back to the conversation" goes.
    back: String,
    /// Choices shown on screen only, after the instructions.
    #[prop(optional)]
    tools: Option<AnyView>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="sm-print">
            <p class="sm-no-print">
                "Use your browser's Print command to print this page. "
                <a href=back>"Back to the conversation"</a>
            </p>
            {tools.map(|tools| view! { <div class="sm-no-print sm-print__tools">{tools}</div> })}
            {children()}
        </div>
    }
}
