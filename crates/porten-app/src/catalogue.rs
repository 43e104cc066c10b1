//! The catalogue (*tjänstekatalog*): units and their services.
//!
//! Access rule: the catalogue is public information, like Open311's service
//! list, so visitors and every signed-in user may read it. An API key needs
//! the `catalogue:read` scope. Only Porten itself and system admins define
//! units and services, and each definition is audited.

use std::collections::HashMap;
use std::sync::Arc;

use porten_domain::{Actor, Role, Scope, Service, Skill, Unit};

use crate::{App, AppError, Result, require_admin};

/// Whether the catalogue may be read by `actor` (`None`: a visitor who has not signed in).
pub fn may_read_catalogue(actor: Option<&Actor>) -> bool {
    match actor {
        Some(key @ Actor::ApiKey { .. }) => key.has_scope(Scope::CatalogueRead),
        _ => true,
    }
}

fn reader(actor: Option<&Actor>) -> Result<()> {
    if may_read_catalogue(actor) { Ok(()) } else { Err(AppError::Forbidden) }
}

impl App {
    /// Every unit, by code.
    pub async fn units(&self, actor: Option<&Actor>) -> Result<Vec<Unit>> {
        reader(actor)?;
        Ok(self.store.list_units().await?)
    }

    /// Every service, by code.
    pub async fn services(&self, actor: Option<&Actor>) -> Result<Vec<Service>> {
        reader(actor)?;
        Ok(self.store.list_services().await?)
    }

    /// One service, if it exists.
    pub async fn service(&self, actor: Option<&Actor>, code: &str) -> Result<Option<Service>> {
        reader(actor)?;
        self.cached_service(code).await
    }

    /// A service from this node's cache of the catalogue, which every change
    /// to the catalogue drops (on this node at once, on the others when they
    /// follow the change feed, within a second); from the database when the
    /// cache does not know it (created on another node a moment ago). What
    /// must hold at a write is checked in the write: registering an errand
    /// takes the service's confidentiality as it is at the commit.
    pub(crate) async fn cached_service(&self, code: &str) -> Result<Option<Service>> {
        match self.cached_services().await?.get(code) {
            Some(service) => Ok(Some(service.clone())),
            None => Ok(self.store.get_service(code).await?),
        }
    }

    /// Every service by code, from this node's cache of the catalogue (see
    /// [`App::cached_service`]).
    pub(crate) async fn cached_services(&self) -> Result<Arc<HashMap<String, Service>>> {
        let cached = self.portal.services.read().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(match cached {
            Some(services) => services,
            None => {
                let generation = self.portal.generation();
                let all = self.store.list_services().await?;
                let services = Arc::new(all.into_iter().map(|s| (s.code.clone(), s)).collect::<HashMap<_, _>>());
                self.portal.keep(&self.portal.services, generation, services.clone());
                services
            }
        })
    }

    /// The units whose errands `actor` may list: all of them for the
    /// contact center, system admins and systems; their own for case
    /// officers and unit admins; none for citizens.
    pub async fn workable_units(&self, actor: &Actor) -> Result<Vec<Unit>> {
        let units = self.store.list_units().await?;
        Ok(match actor {
            Actor::User { role: Role::Citizen, .. } | Actor::Visitor | Actor::TrackingLink => Vec::new(),
            Actor::User { role: Role::CaseOfficer | Role::UnitAdmin, unit, .. } => {
                units.into_iter().filter(|u| unit.as_ref() == Some(&u.code)).collect()
            }
            Actor::User { role: Role::Agent | Role::SystemAdmin, .. } | Actor::ApiKey { .. } | Actor::System { .. } => {
                units
            }
        })
    }

    /// Creates or replaces a unit.
    pub async fn define_unit(&self, actor: &Actor, unit: &Unit) -> Result<()> {
        require_admin(actor)?;
        self.audited(actor, "catalogue.unit", unit.code.as_str(), self.store.upsert_unit(unit)).await?;
        self.portal.invalidate();
        Ok(())
    }

    /// Every skill, by code (the skill queues).
    pub async fn skills(&self, actor: Option<&Actor>) -> Result<Vec<Skill>> {
        reader(actor)?;
        Ok(self.store.list_skills().await?)
    }

    /// Creates or renames a skill after checking it.
    pub async fn define_skill(&self, actor: &Actor, skill: &Skill) -> Result<()> {
        require_admin(actor)?;
        skill.validate().map_err(AppError::Invalid)?;
        self.audited(actor, "catalogue.skill", &skill.code, self.store.upsert_skill(skill)).await
    }

    /// Creates or replaces a service after checking it (its unit must exist).
    pub async fn define_service(&self, actor: &Actor, service: &Service) -> Result<()> {
        require_admin(actor)?;
        service.validate().map_err(AppError::Invalid)?;
        let before = self.store.get_service(&service.code).await?;
        self.audited(actor, "catalogue.service", &service.code, self.store.upsert_service(service)).await?;
        self.portal.invalidate();
        // Changed targets move the due times of the unit's open errands.
        if before.is_some_and(|b| b.sla != service.sla) {
            self.queue_recompute(Some(&service.unit)).await?;
        }
        Ok(())
    }

    /// Changes a service as an administrator's form says (names, texts,
    /// unit, skill, SLA targets), keeping what the form does not show.
    pub async fn edit_service(
        &self,
        actor: &Actor,
        code: &str,
        raw: &porten_domain::catalogue_edit::RawServiceEdit,
    ) -> Result<Service> {
        require_admin(actor)?;
        let base = self.store.get_service(code).await?.ok_or(AppError::NotFound)?;
        let units = self.store.list_units().await?;
        let skills = self.store.list_skills().await?;
        let service = raw
            .apply(&base, |u| units.iter().any(|x| x.code.as_str() == u), |k| skills.iter().any(|x| x.code == k))
            .map_err(AppError::Invalid)?;
        self.define_service(actor, &service).await?;
        Ok(service)
    }

    /// Changes a unit's names and how it hands out errands.
    pub async fn edit_unit(
        &self,
        actor: &Actor,
        code: &str,
        raw: &porten_domain::catalogue_edit::RawUnitEdit,
    ) -> Result<Unit> {
        require_admin(actor)?;
        let units = self.store.list_units().await?;
        let base = units.iter().find(|u| u.code.as_str() == code).ok_or(AppError::NotFound)?;
        let unit = raw.apply(base).map_err(AppError::Invalid)?;
        self.define_unit(actor, &unit).await?;
        Ok(unit)
    }
}
