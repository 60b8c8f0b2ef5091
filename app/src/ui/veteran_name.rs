//! A Veteran's name as the care team's pages write it: "Alex Rivera (born Mar 4, 1961)",
//! so two Veterans with the same name are told apart wherever a clinician meets them. One
//! form everywhere, in words a screen reader reads as written.

use leptos::prelude::*;

/// `born` is the date of birth already in words ("Mar 4, 1961"); without one, the name alone.
#[component]
pub fn VeteranName(name: String, born: Option<String>) -> impl IntoView {
    view! {
        {name}
        {born.map(|born| view! { " " <span class="sm-born">{format!("(born {born})")}</span> })}
    }
}
