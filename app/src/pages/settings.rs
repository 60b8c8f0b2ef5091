//! `/settings`: one page for every kind of account, made of each feature's own section:
//! the signature added to outgoing messages, new-message emails for Veterans and caregivers,
//! the time zone dates are shown in,
//! "Away" for clinicians, two-step verification, passkeys, for a Veteran who has caregiver access to
//! their messages and downloading them, changing one's email address and password, and
//! signing out elsewhere.
//! Each section loads its own data and shows only to the people it is for.

use crate::auth::{Area, Role};
use crate::messages::pages::settings_caregivers::CaregiverAccess;
use crate::messages::pages::settings_signature::SignatureSettings;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Gate area=Area::Account>
            <Title text="Settings" />
            <h1>"Settings"</h1>
            <SignatureSettings />
            <crate::email::settings::EmailSettings />
            <crate::account::time_zone::TimeZoneSettings />
            <crate::team::pages::coverage::CoverageSettings />
            <crate::mfa::pages::settings::TwoStepSettings />
            <crate::passkeys::PasskeySettings />
            <VeteranSections />
            <crate::account::change_email::ChangeEmailSettings />
            <crate::account::ChangePasswordSettings />
            <crate::account::OtherDevicesSettings />
        </Gate>
    }
}

/// Who has caregiver access, and downloading one's messages: a Veteran's own sections.
#[component]
fn VeteranSections() -> impl IntoView {
    let veteran = crate::ui::viewer().map(|user| user.role) == Some(Role::Veteran);
    veteran.then(|| {
        view! {
            <CaregiverAccess />
            <crate::messages::download::DownloadMessagesSettings />
        }
    })
}
