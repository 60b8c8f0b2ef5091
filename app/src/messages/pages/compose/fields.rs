//! The compose form's fields as its draft holds them: what autosave
//! (`crate::ui::autosave`) posts to `save_compose_draft`.

use super::SaveComposeDraft;
use crate::ui::autosave::DraftFields;
use leptos::server_fn::ServerFn;

/// The form's fields as they stand, as a draft save sends them.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Fields {
    pub(super) draft_id: Option<i64>,
    pub(super) care_team: String,
    pub(super) category: String,
    pub(super) subject: String,
    pub(super) body: String,
    /// The Veteran the form was drawn for: a save after a switch elsewhere is refused.
    pub(super) acting_for: Option<i64>,
}

impl DraftFields for Fields {
    const PATH: &'static str = SaveComposeDraft::PATH;

    fn draft_id(&self) -> Option<i64> {
        self.draft_id
    }

    fn set_draft_id(&mut self, draft_id: i64) {
        self.draft_id = Some(draft_id);
    }

    /// An untouched new form is not worth a draft.
    fn worth_saving(&self) -> bool {
        self.draft_id.is_some() || !self.subject.trim().is_empty() || !self.body.trim().is_empty()
    }

    fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![
            (
                "draft_id",
                self.draft_id.map(|id| id.to_string()).unwrap_or_default(),
            ),
            ("care_team", self.care_team.clone()),
            ("category", self.category.clone()),
            ("subject", self.subject.clone()),
            ("body", self.body.clone()),
        ];
        if let Some(veteran) = self.acting_for {
            form.push(("acting_for", veteran.to_string()));
        }
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::rules;

    #[test]
    fn an_untouched_form_is_not_worth_a_draft() {
        assert!(!Fields::default().worth_saving());
        let typed = Fields {
            body: "Hello".into(),
            ..Fields::default()
        };
        assert!(typed.worth_saving());
        let continued = Fields {
            draft_id: Some(3),
            ..Fields::default()
        };
        assert!(continued.worth_saving());
        assert!(continued.form().contains(&("draft_id", "3".to_string())));
    }

    #[test]
    fn errors_read_as_one_sentence() {
        let error = rules::validate_draft(&"s".repeat(51), "").unwrap_err();
        assert_eq!(
            crate::ui::errors::in_one_sentence(&error),
            "Subject must be 50 characters or fewer."
        );
    }
}
