//! Caregiver access (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn CaregiverAccess() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Caregiver access")
}
