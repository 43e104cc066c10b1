//! The documents of decisions (*beslutsdokument*): a PDF that those who may
//! decide an errand attach to its decision, which the citizen then fetches
//! from the tracking page or Mina ärenden.
//!
//! Access rules: attaching is a command on the errand (the lifecycle
//! table's deciders, on a resolved errand); staff read a document where
//! they may read the errand, and each read is audited; the citizen reads it
//! through the same access as the errand's citizen page.

use porten_domain::eservice::FileRef;
use porten_domain::{Actor, Command, DecisionDocument, Errand, EventKind, PublicId, Violations};
use sha2::{Digest, Sha256};

use crate::eservices::CitizenAccess;
use crate::eservices::files::{FileProblem, check_file};
use crate::{App, AppError, Result};

/// A decision's document as read: its name and its content (a PDF).
pub struct Document {
    pub name: String,
    pub content: Vec<u8>,
}

impl App {
    /// Attaches `content`, named `name`, as the document of the errand's
    /// decision. It must be a PDF (told by its content) of at most 10 MB.
    pub async fn attach_decision_document(
        &self,
        actor: &Actor,
        id: PublicId,
        expected_version: Option<i64>,
        name: &str,
        content: Vec<u8>,
    ) -> Result<Errand> {
        // The errand first, so that nobody stores a file on an errand they may not work.
        let view = self.read_errand(actor, id, None).await?;
        let mut v = Violations::new();
        match check_file(&content) {
            Ok("application/pdf") => {}
            Ok(_) | Err(FileProblem::Kind) => v.push("document", "file_type", "must be a PDF"),
            Err(FileProblem::TooLarge) => v.push("document", "too_large", "must be at most 10 MB"),
            Err(FileProblem::Empty) => v.push("document", "required", "choose the decision's PDF"),
        }
        if !v.is_empty() {
            return Err(AppError::Invalid(v));
        }
        let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
        let name = if name.is_empty() { "beslut.pdf" } else { name };
        let sha256: String = Sha256::digest(&content).iter().map(|b| format!("{b:02x}")).collect();
        let size = content.len() as u64;
        let file = FileRef {
            field: "decision".into(),
            name: name.to_owned(),
            sha256: sha256.clone(),
            media_type: "application/pdf".into(),
            size,
        };
        // Kept by its hash; a crash before the command leaves a file nothing
        // refers to, which the hourly purge removes.
        self.store.put_attachment(&file, content, self.now()).await?;
        let document = DecisionDocument { name: name.to_owned(), sha256, size };
        let expected = expected_version.or(Some(view.errand.version));
        self.act_on_errand(actor, id, expected.as_ref().map(std::slice::from_ref), Command::AttachDocument { document })
            .await
    }

    /// The errand's `number`th decision document (from 0), for staff who
    /// may read the errand; the read is audited.
    pub async fn decision_document(&self, actor: &Actor, id: PublicId, number: usize) -> Result<Document> {
        let view = self.read_errand(actor, id, None).await?;
        let document = nth_document(view.timeline.iter().map(|e| &e.kind), number)?;
        self.audit(actor, "document.read", Some(view.errand.id), None).await?;
        self.document_content(document).await
    }

    /// The `number`th decision document of the errand the citizen follows.
    pub async fn citizen_document(&self, access: CitizenAccess<'_>, number: usize) -> Result<Document> {
        let errand = self.citizen_errand_row(access).await?;
        let timeline = self.store.timeline(errand.id).await?;
        let document = nth_document(timeline.iter().map(|e| &e.kind), number)?;
        let reader = match access {
            CitizenAccess::Token(_) => Actor::TrackingLink,
            CitizenAccess::SignedIn(actor, _) => actor.clone(),
        };
        self.audit(&reader, "document.read", Some(errand.id), Some("the citizen fetches their decision")).await?;
        self.document_content(document).await
    }

    async fn document_content(&self, document: &DecisionDocument) -> Result<Document> {
        let content = self.store.attachment_content(&document.sha256).await?.ok_or(AppError::NotFound)?;
        Ok(Document { name: document.name.clone(), content })
    }
}

fn nth_document<'a>(events: impl Iterator<Item = &'a EventKind>, number: usize) -> Result<&'a DecisionDocument> {
    events
        .filter_map(|e| match e {
            EventKind::DocumentAttached { document } => Some(document),
            _ => None,
        })
        .nth(number)
        .ok_or(AppError::NotFound)
}
