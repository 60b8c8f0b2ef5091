//! `/settings`: the signature added to outgoing messages, two-step verification and, for a
//! Veteran, who has caregiver access to their messages.

use super::settings_caregivers::CaregiverAccess;
use super::settings_signature::SignatureSettings;
use crate::auth::{Area, Role};
use crate::layout::use_page_context;
use crate::pages::Gate;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let context = use_page_context();
    view! {
        <Gate area=Area::Account>
            <Title text="Settings" />
            <h1>"Settings"</h1>
            <SignatureSettings />
            <crate::team::pages::coverage::CoverageSettings />
            <crate::mfa::pages::settings::TwoStepSettings />
            <Suspense>
                {move || Suspend::new(async move {
                    let role = context.await.ok().and_then(|c| c.user).map(|u| u.role);
                    (role == Some(Role::Veteran)).then(|| view! { <CaregiverAccess /> })
                })}
            </Suspense>
        </Gate>
    }
}
