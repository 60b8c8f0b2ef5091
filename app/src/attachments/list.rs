//! The files of a sent message, as a thread shows them: name, type and size, each a
//! download link; images with a small preview. Thread pages are shown only to the thread's
//! participants, the same people the download route admits, so the preview shows nothing
//! a viewer could not download.

use super::rules::format_size;
use super::Attachment;
use leptos::prelude::*;

#[component]
pub fn AttachmentList(attachments: Vec<Attachment>) -> impl IntoView {
    (!attachments.is_empty()).then(|| {
        view! {
            <ul class="sm-attachments" aria-label="Attachments">
                {attachments
                    .into_iter()
                    .map(|file| {
                        let href = file.download_path();
                        let name = file.name.clone();
                        let facts = format!("{}, {}", file.type_label, format_size(file.size_bytes));
                        let preview = file.is_image.then(|| {
                            // Decorative: the link beside it names the file.
                            view! {
                                <img class="sm-attachments__preview" src=href.clone() alt="" loading="lazy" width="96" />
                            }
                        });
                        view! {
                            <li class="sm-attachments__file">
                                {preview}
                                <a href=href download=name>{file.name}</a>
                                " "
                                <span class="sm-attachments__facts">{format!("({facts})")}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}
