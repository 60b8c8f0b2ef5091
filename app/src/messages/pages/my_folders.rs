//! `/folders`: the person's own folders with their counts; create, rename and delete.
//!
//! The rules are DESIGN.md §2's: a name is 1–50 letters, digits and spaces, unique for the
//! person (ignoring case and spacing); a folder is deleted only when empty. Each form is an
//! `ActionForm`: a plain form post before the wasm arrives, and after it nothing typed is
//! lost when the server refuses it, because the page is not reloaded.

use crate::auth::Area;
use crate::error::AppError;
use crate::messages::{Folder, FolderSummary};
use crate::ui::ErrorSummary;
use crate::ui::Gate;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// The asker's own folders, by name, with their counts for the Veteran acted for.
#[server(endpoint = "my_folders", output = leptos::server_fn::codec::Postcard)]
pub async fn my_folders() -> Result<Vec<FolderSummary>, AppError> {
    let asking = crate::messages::acting::ssr::asking(MyFolders::PATH).await?;
    let folders =
        crate::messages::ssr::folders(&asking.state.db, &asking.capability, asking.veteran_id)
            .await?;
    Ok(folders
        .into_iter()
        .filter(|summary| matches!(summary.folder, Folder::Custom(_)))
        .collect())
}

#[server(endpoint = "create_folder", output = leptos::server_fn::codec::Postcard)]
pub async fn create_folder(name: String) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking(CreateFolder::PATH).await?;
    crate::messages::ssr::create_folder(&asking.state.db, &asking.capability, &name).await?;
    Ok(())
}

/// Renames a folder. A refused name is reported on `rename-<id>`, the field of that
/// folder, so the page can put the message next to the right box even without the wasm.
#[server(endpoint = "rename_folder", output = leptos::server_fn::codec::Postcard)]
pub async fn rename_folder(folder_id: i64, name: String) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking(RenameFolder::PATH).await?;
    crate::messages::ssr::rename_folder(&asking.state.db, &asking.capability, folder_id, &name)
        .await
        .map_err(|error| match error.field("name") {
            Some(message) => AppError::invalid(&rename_field(folder_id), message),
            None => error,
        })
}

/// Deletes an empty folder. A folder that still holds conversations is refused on
/// `delete-<id>` (its Delete button) with what to do first.
#[server(endpoint = "delete_folder", output = leptos::server_fn::codec::Postcard)]
pub async fn delete_folder(folder_id: i64) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking(DeleteFolder::PATH).await?;
    crate::messages::ssr::delete_folder(&asking.state.db, &asking.capability, folder_id)
        .await
        .map_err(|error| match error {
            AppError::Conflict { message } => AppError::invalid(&delete_field(folder_id), message),
            other => other,
        })
}

fn rename_field(folder_id: i64) -> String {
    format!("rename-{folder_id}")
}

fn delete_field(folder_id: i64) -> String {
    format!("delete-{folder_id}")
}

/// The rule, in the words people see next to the list.
const DELETE_RULE: &str = "You can delete a folder only when it's empty. Move its conversations to your Inbox or another folder first.";

#[component]
pub fn MyFoldersPage() -> impl IntoView {
    view! {
        <Gate area=Area::Messages>
            <Title text="My folders" />
            <h1>"My folders"</h1>
            <p class="sm-lead">
                "Folders keep your conversations in order. Moving a conversation changes only where you see it; your care team still has it."
            </p>
            <FolderManager />
        </Gate>
    }
}

/// Inside the gate, so a refused visitor never calls the server functions. An island: the
/// forms send by `fetch`, and the list is loaded again after each change, so a refused
/// rename keeps what was typed in its box.
#[island(lazy)]
fn FolderManager() -> impl IntoView {
    crate::layout::island_hydrated();
    let create = ServerAction::<CreateFolder>::new();
    let rename = ServerAction::<RenameFolder>::new();
    let delete = ServerAction::<DeleteFolder>::new();

    // Counts successful changes: the list is fetched again after each one, and only then,
    // so a refused rename keeps what was typed in its box.
    let changes = RwSignal::new(0_usize);
    let notice = RwSignal::new(None::<&'static str>);
    let create_form = NodeRef::<leptos::html::Form>::new();
    for (pending, done, words) in [
        (create.pending(), create.value(), "Folder created."),
        (rename.pending(), rename.value(), "Folder renamed."),
        (delete.pending(), delete.value(), "Folder deleted."),
    ] {
        // One form's result at a time: starting one clears the others' messages.
        Effect::new(move |_| {
            if pending.get() {
                notice.set(None);
            }
        });
        Effect::new(move |_| {
            if matches!(done.get(), Some(Ok(()))) {
                notice.set(Some(words));
                changes.update(|n| *n += 1);
            }
        });
    }
    Effect::new(move |_| {
        if create.pending().get() {
            rename.clear();
            delete.clear();
        }
    });
    Effect::new(move |_| {
        if rename.pending().get() {
            create.clear();
            delete.clear();
        }
    });
    Effect::new(move |_| {
        if delete.pending().get() {
            create.clear();
            rename.clear();
        }
    });
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(()))) {
            if let Some(form) = create_form.get_untracked() {
                form.reset();
            }
        }
    });

    let error = Signal::derive(move || {
        [create.value(), rename.value(), delete.value()]
            .into_iter()
            .find_map(|value| value.get().and_then(Result::err))
    });
    let field_error =
        move |name: String| Signal::derive(move || error.get().and_then(|e| e.field(&name)));
    let folders = crate::ui::page_data(move || changes.get(), |_| my_folders());

    view! {
        <ErrorSummary error />
        <crate::ui::SuccessStatus text=move || notice.get().map(str::to_string) />

        <h2>"Create a folder"</h2>
        <ActionForm action=create node_ref=create_form attr:class="usa-form" attr:novalidate="true">
            <NameField
                id="name".to_string()
                label="Folder name".to_string()
                value=String::new()
                error=field_error("name".to_string())
            />
            <button type="submit" class="usa-button">"Create folder"</button>
        </ActionForm>

        <h2>"Your folders"</h2>
        <p>{DELETE_RULE}</p>
        <Transition fallback=|| view! { <p>"Loading your folders…"</p> }>
            {move || Suspend::new(async move {
                match folders.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="sm-empty">"You have no folders yet."</p>
                    }
                    .into_any(),
                    Ok(list) => view! {
                        <ul class="sm-folders">
                            {list
                                .into_iter()
                                .map(|summary| view! { <FolderCard summary rename delete field_error /> })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(error) => view! { <crate::ui::LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn FolderCard<F>(
    summary: FolderSummary,
    rename: ServerAction<RenameFolder>,
    delete: ServerAction<DeleteFolder>,
    field_error: F,
) -> impl IntoView
where
    F: Fn(String) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
{
    let FolderSummary {
        folder,
        name,
        unread,
        total,
    } = summary;
    let id = match folder {
        Folder::Custom(id) => id,
        // Only custom folders are listed here.
        _ => 0,
    };
    let counts = match (total, unread) {
        (1, 0) => "1 conversation".to_string(),
        (total, 0) => format!("{total} conversations"),
        (1, unread) => format!("1 conversation, {unread} unread"),
        (total, unread) => format!("{total} conversations, {unread} unread"),
    };
    let delete_id = delete_field(id);
    let delete_error = field_error(delete_id.clone());
    let delete_error_id = format!("{delete_id}-error");
    let has_delete_error = move || delete_error.get().is_some();
    let rename_label = format!("New name for {name}");
    let (current_name, rename_name, delete_name) = (name.clone(), name.clone(), name.clone());
    view! {
        <li class="sm-folder">
            <h3 class="sm-folder__name"><a href=folder.path()>{name}</a></h3>
            <p class="sm-folder__counts">{counts}</p>
            <ActionForm action=rename attr:class="usa-form sm-folder__rename" attr:novalidate="true">
                <input type="hidden" name="folder_id" value=id.to_string() />
                <NameField
                    id=rename_field(id)
                    label=rename_label
                    value=current_name
                    error=field_error(rename_field(id))
                />
                <button type="submit" class="usa-button usa-button--outline">
                    "Rename"<span class="usa-sr-only">" " {rename_name}</span>
                </button>
            </ActionForm>
            <ActionForm action=delete attr:class="sm-folder__delete">
                <input type="hidden" name="folder_id" value=id.to_string() />
                <div class="usa-form-group" class:usa-form-group--error=has_delete_error>
                    {move || delete_error.get().map(|message| view! {
                        <span class="usa-error-message" id=format!("delete-{id}-error") role="alert">
                            <span class="usa-sr-only">"Error: "</span>{message}
                        </span>
                    })}
                    <button
                        type="submit"
                        class="usa-button usa-button--secondary"
                        id=delete_id
                        aria-describedby=move || has_delete_error().then(|| delete_error_id.clone())
                    >
                        "Delete folder"<span class="usa-sr-only">" " {delete_name}</span>
                    </button>
                </div>
            </ActionForm>
        </li>
    }
}

/// A folder name box with its hint and its error tied to it (USWDS).
#[component]
fn NameField(
    id: String,
    label: String,
    value: String,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_error = move || error.get().is_some();
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if has_error() {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="usa-form-group" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for=id.clone()>{label}</label>
            <span class="usa-hint" id=hint_id>"Up to 50 letters, numbers and spaces."</span>
            {move || error.get().map(|message| view! {
                <span class="usa-error-message" id=error_id.clone() role="alert">
                    <span class="usa-sr-only">"Error: "</span>{message}
                </span>
            })}
            <input
                class="usa-input"
                class:usa-input--error=has_error
                id=id.clone()
                name="name"
                type="text"
                value=value
                maxlength="50"
                autocomplete="off"
                aria-invalid=move || has_error().to_string()
                aria-describedby=described_by
            />
        </div>
    }
}
