//! Configuration: a TOML file, then environment variables, then flags; a
//! later source wins. Every key is documented in `docs/CONFIGURATION.md`.
//!
//! ```toml
//! listen = "0.0.0.0:8080"
//! database_url = "postgres://porten@db/porten"
//! secure_cookies = true
//! city_name_sv = "Lindhamns stad"
//! city_name_en = "City of Lindhamn"
//! ```

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://porten-data/porten.db";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
    #[serde(default)]
    pub secure_cookies: bool,
    pub city_name_sv: Option<String>,
    pub city_name_en: Option<String>,
    /// Days the contact log keeps who logged each contact.
    pub contact_agent_retention_days: Option<u32>,
    /// Seconds a node holds a background job before another may take it over.
    pub job_lease_seconds: Option<u64>,
    /// Reverse proxies whose `X-Forwarded-For` header names the client.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The address citizens use; `https://…` implies Secure cookies and HSTS.
    pub public_url: Option<String>,
    /// A bearer token that `/metrics` requires.
    pub metrics_token: Option<String>,
    /// The Open311 `jurisdiction_id` this installation answers to.
    pub open311_jurisdiction: Option<String>,
    /// Seconds a client has to send a request's headers (and an idle
    /// connection is kept).
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a client has to send a request's body.
    pub body_timeout_seconds: Option<u64>,
    /// Connections served at once; more wait until one closes.
    pub max_connections: Option<usize>,
    /// Connections one client address may hold at once (trusted proxies exempt).
    pub max_connections_per_address: Option<usize>,
    /// MiB of request bodies all requests together may hold in memory.
    pub body_budget_mb: Option<usize>,
    /// Serve cleartext HTTP/2 besides HTTP/1.1.
    #[serde(default)]
    pub http2_cleartext: bool,
    /// With `http2_cleartext`: streams per connection.
    pub http2_max_streams: Option<u32>,
    /// Receipts mailed for visitors who are not signed in, per hour, in all.
    pub anonymous_mail_per_hour: Option<u32>,
    /// MiB of files anyone but staff may upload from one
    /// client address in a day.
    pub upload_mb_per_address_per_day: Option<u32>,
    /// A folder of e-service definitions, one TOML file per service.
    pub eservices_dir: Option<std::path::PathBuf>,
    /// The SMTP relay mail goes through, `smtp://host:port`
    /// (`PORTEN_SMTP_URL` wins). Without one, mail waits in the outbox.
    pub smtp_url: Option<String>,
    /// The e-ID broker (OpenID provider) citizens sign in through, by its
    /// issuer URL (`PORTEN_EID_ISSUER` wins), with the client id and secret
    /// Porten is registered with, and the ID-token claim holding the
    /// personnummer (default: the Swedish OIDC profile's).
    pub eid_issuer: Option<String>,
    pub eid_client_id: Option<String>,
    pub eid_client_secret: Option<String>,
    pub eid_personal_number_claim: Option<String>,
    /// Staff sign-in through the city's identity provider (OpenID Connect),
    /// by its issuer URL (`PORTEN_STAFF_OIDC_ISSUER` wins), with the client
    /// id and secret, the claims with the username, the groups and the
    /// unit, and which group gives which role (`group=role,…`); see
    /// `docs/CONFIGURATION.md`.
    pub staff_oidc_issuer: Option<String>,
    pub staff_oidc_client_id: Option<String>,
    pub staff_oidc_client_secret: Option<String>,
    pub staff_oidc_username_claim: Option<String>,
    pub staff_oidc_roles_claim: Option<String>,
    pub staff_oidc_unit_claim: Option<String>,
    pub staff_oidc_role_map: Option<String>,
    /// The sender of Porten's mail, e.g. `Lindhamns stad <noreply@lindhamn.se>`
    /// (`PORTEN_MAIL_FROM` wins).
    pub mail_from: Option<String>,
    /// E-mail intake: address → service code (`PORTEN_MAIL_ROUTES`,
    /// `address=service,…`, wins); mail to other addresses goes to
    /// `mail_default_service`.
    #[serde(default)]
    pub mail_routes: std::collections::BTreeMap<String, String>,
    pub mail_default_service: Option<String>,
    /// The receiving server whose `Authentication-Results` are trusted.
    pub mail_trusted_authserv_id: Option<String>,
    /// Auto-replies to one address per day at most.
    pub mail_auto_replies_per_day: Option<u32>,
    /// The mailbox `porten mail-intake --imap` polls: `imaps://host[:port]`
    /// (`PORTEN_MAIL_IMAP_URL` wins), its user and password
    /// (`PORTEN_MAIL_IMAP_PASSWORD` wins), a PEM file of roots to trust
    /// instead of the public ones, and the folder taken mail goes to.
    pub mail_imap_url: Option<String>,
    pub mail_imap_user: Option<String>,
    pub mail_imap_password: Option<String>,
    pub mail_imap_ca_file: Option<std::path::PathBuf>,
    pub mail_imap_folder: Option<String>,
    /// The site settings: city name, contact details and topics
    /// (`PORTEN_SITE_FILE` wins).
    pub site_file: Option<std::path::PathBuf>,
    /// A word list of Swedish, one word per line, whose words the search
    /// statistics may keep (`PORTEN_SEARCH_WORDLIST` wins). Default:
    /// `/usr/share/dict/swedish` (Debian's `wswedish`) when present.
    pub search_wordlist: Option<std::path::PathBuf>,
    /// Where this node keeps its search index (`PORTEN_SEARCH_DIR` wins).
    /// Default: next to an SQLite database file, else in memory.
    pub search_dir: Option<std::path::PathBuf>,
}

impl Config {
    /// Reads the file named by `--config`/`PORTEN_CONFIG`, or `./porten.toml` if present.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (Path::new("porten.toml").to_path_buf(), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).with_context(|| format!("reading {}", path.display())),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The flag/env value wins over the file, which wins over the default.
    pub fn database_url(&self, flag_or_env: Option<&str>) -> String {
        flag_or_env
            .map(str::to_owned)
            .or_else(|| self.database_url.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }

    /// The SMTP settings, checked; `None` when no relay is configured.
    pub fn smtp(&self) -> Result<Option<porten_app::mail::SmtpSettings>> {
        let url = std::env::var("PORTEN_SMTP_URL").ok().or_else(|| self.smtp_url.clone());
        let from = std::env::var("PORTEN_MAIL_FROM").ok().or_else(|| self.mail_from.clone());
        let Some(url) = url.filter(|u| !u.is_empty()) else { return Ok(None) };
        let from = from.unwrap_or_else(|| "Porten <noreply@localhost>".into());
        porten_app::mail::SmtpSettings::new(&url, &from).map(Some).map_err(anyhow::Error::msg)
    }

    /// How e-mail is taken in; `demo_routes` apply when no routes are configured.
    pub fn intake(&self, demo_routes: &[(&str, &str)]) -> Result<porten_app::intake::IntakeSettings> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut routes: Vec<(String, String)> = match env("PORTEN_MAIL_ROUTES") {
            Some(list) => list
                .split(',')
                .filter(|r| !r.trim().is_empty())
                .map(|r| {
                    let (address, service) = r
                        .split_once('=')
                        .with_context(|| format!("PORTEN_MAIL_ROUTES: expected address=service, got {r:?}"))?;
                    Ok((address.trim().to_ascii_lowercase(), service.trim().to_owned()))
                })
                .collect::<Result<_>>()?,
            None => self.mail_routes.iter().map(|(a, s)| (a.trim().to_ascii_lowercase(), s.clone())).collect(),
        };
        if routes.is_empty() {
            routes = demo_routes.iter().map(|(a, s)| ((*a).to_owned(), (*s).to_owned())).collect();
        }
        let mut settings = porten_app::intake::IntakeSettings { routes, ..Default::default() };
        if let Some(service) = env("PORTEN_MAIL_DEFAULT_SERVICE").or_else(|| self.mail_default_service.clone()) {
            settings.default_service = service;
        }
        settings.trusted_authserv_id =
            env("PORTEN_MAIL_TRUSTED_AUTHSERV_ID").or_else(|| self.mail_trusted_authserv_id.clone());
        if let Some(n) = self.mail_auto_replies_per_day {
            settings.auto_replies_per_day = n;
        }
        if let Some(from) = env("PORTEN_MAIL_FROM").or_else(|| self.mail_from.clone()) {
            let address = from.rsplit_once('<').map_or(from.as_str(), |(_, a)| a.trim_end_matches('>'));
            settings.own_addresses.push(address.trim().to_ascii_lowercase());
        }
        Ok(settings)
    }

    /// The IMAP mailbox to poll; `None` when none is configured.
    pub fn imap(&self) -> Result<Option<porten_app::imap::ImapSettings>> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let Some(url) = env("PORTEN_MAIL_IMAP_URL").or_else(|| self.mail_imap_url.clone()) else { return Ok(None) };
        let user = env("PORTEN_MAIL_IMAP_USER")
            .or_else(|| self.mail_imap_user.clone())
            .context("mail_imap_user (PORTEN_MAIL_IMAP_USER) is needed with mail_imap_url")?;
        let password = env("PORTEN_MAIL_IMAP_PASSWORD")
            .or_else(|| self.mail_imap_password.clone())
            .context("PORTEN_MAIL_IMAP_PASSWORD is needed with mail_imap_url")?;
        let mut settings = porten_app::imap::ImapSettings::new(&url, &user, &password).map_err(anyhow::Error::msg)?;
        settings.ca_file = env("PORTEN_MAIL_IMAP_CA_FILE").map(Into::into).or_else(|| self.mail_imap_ca_file.clone());
        if let Some(folder) = env("PORTEN_MAIL_IMAP_FOLDER").or_else(|| self.mail_imap_folder.clone()) {
            settings.folder = folder;
        }
        Ok(Some(settings))
    }

    /// The e-ID settings; `None` when no provider is configured. `public_url`
    /// is where the provider sends the browser back to.
    pub fn eid(&self, public_url: &str) -> Result<Option<porten_app::eid::EidSettings>> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let Some(issuer) = env("PORTEN_EID_ISSUER").or_else(|| self.eid_issuer.clone()) else { return Ok(None) };
        let client_id = env("PORTEN_EID_CLIENT_ID")
            .or_else(|| self.eid_client_id.clone())
            .context("PORTEN_EID_CLIENT_ID is needed with PORTEN_EID_ISSUER")?;
        Ok(Some(porten_app::eid::EidSettings {
            issuer,
            client_id,
            client_secret: env("PORTEN_EID_CLIENT_SECRET").or_else(|| self.eid_client_secret.clone()),
            redirect_url: format!("{}/login/eid/callback", public_url.trim_end_matches('/')),
            personal_number_claim: env("PORTEN_EID_PERSONAL_NUMBER_CLAIM")
                .or_else(|| self.eid_personal_number_claim.clone())
                .unwrap_or_else(|| porten_app::eid::OIDC_SE_PERSONAL_NUMBER.to_owned()),
        }))
    }

    /// Staff sign-in through the city's identity provider; `None` when no
    /// provider is configured.
    pub fn staff_oidc(&self, public_url: &str) -> Result<Option<porten_app::staff_oidc::StaffOidc>> {
        use porten_app::staff_oidc::{StaffClaims, StaffOidc};
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let setting = |name: &str, file: &Option<String>| env(name).or_else(|| file.clone());
        let Some(issuer) = setting("PORTEN_STAFF_OIDC_ISSUER", &self.staff_oidc_issuer) else { return Ok(None) };
        let client_id = setting("PORTEN_STAFF_OIDC_CLIENT_ID", &self.staff_oidc_client_id)
            .context("PORTEN_STAFF_OIDC_CLIENT_ID is needed with PORTEN_STAFF_OIDC_ISSUER")?;
        let settings = porten_app::eid::EidSettings {
            issuer,
            client_id,
            client_secret: setting("PORTEN_STAFF_OIDC_CLIENT_SECRET", &self.staff_oidc_client_secret),
            redirect_url: format!("{}/login/staff/callback", public_url.trim_end_matches('/')),
            personal_number_claim: String::new(),
        };
        let defaults = StaffClaims::default();
        let role_map = match setting("PORTEN_STAFF_OIDC_ROLE_MAP", &self.staff_oidc_role_map) {
            Some(raw) => StaffClaims::parse_role_map(&raw).map_err(|e| anyhow::anyhow!("staff_oidc_role_map: {e}"))?,
            None => defaults.role_map,
        };
        let claims = StaffClaims {
            username_claim: setting("PORTEN_STAFF_OIDC_USERNAME_CLAIM", &self.staff_oidc_username_claim)
                .unwrap_or(defaults.username_claim),
            roles_claim: setting("PORTEN_STAFF_OIDC_ROLES_CLAIM", &self.staff_oidc_roles_claim)
                .unwrap_or(defaults.roles_claim),
            unit_claim: setting("PORTEN_STAFF_OIDC_UNIT_CLAIM", &self.staff_oidc_unit_claim)
                .unwrap_or(defaults.unit_claim),
            role_map,
        };
        Ok(Some(StaffOidc { client: porten_app::eid::Eid::new(settings)?, claims }))
    }

    /// The site settings from `site_file`, if one is configured.
    pub fn site(&self) -> Result<Option<porten_domain::knowledge::Site>> {
        let path =
            std::env::var_os("PORTEN_SITE_FILE").map(std::path::PathBuf::from).or_else(|| self.site_file.clone());
        let Some(path) = path else { return Ok(None) };
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        porten_app::knowledge::parse_site(&text).map(Some).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Where the search index lives: configured, else beside an SQLite
    /// database file (`porten.db.search/`), else in memory (`None`).
    pub fn search_dir(&self, database_url: &str) -> Option<std::path::PathBuf> {
        std::env::var_os("PORTEN_SEARCH_DIR").map(std::path::PathBuf::from).or_else(|| self.search_dir.clone()).or_else(
            || {
                let path = database_url.strip_prefix("sqlite://")?.split('?').next()?;
                (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(format!("{path}.search")))
            },
        )
    }

    pub fn receipt_limits(&self) -> porten_app::eservices::ReceiptLimits {
        let defaults = porten_app::eservices::ReceiptLimits::default();
        porten_app::eservices::ReceiptLimits {
            anonymous_per_hour: self.anonymous_mail_per_hour.unwrap_or(defaults.anonymous_per_hour),
            ..defaults
        }
    }

    /// The word list for the search statistics, read from its file; none
    /// when no file is configured and Debian's is not installed.
    pub fn word_list(&self) -> Result<Option<porten_app::search::WordList>> {
        const DEBIAN: &str = "/usr/share/dict/swedish";
        let configured = std::env::var_os("PORTEN_SEARCH_WORDLIST")
            .map(std::path::PathBuf::from)
            .or_else(|| self.search_wordlist.clone());
        let path = match configured {
            Some(path) => path,
            None if Path::new(DEBIAN).exists() => DEBIAN.into(),
            None => return Ok(None),
        };
        let bytes = std::fs::read(&path).with_context(|| format!("reading the word list {}", path.display()))?;
        Ok(Some(porten_app::search::WordList::parse(&bytes)))
    }

    pub fn serve_limits(&self) -> porten_web::ServeLimits {
        let defaults = porten_web::ServeLimits::default();
        let seconds = std::time::Duration::from_secs;
        porten_web::ServeLimits {
            header_timeout: self.header_timeout_seconds.map_or(defaults.header_timeout, seconds),
            body_timeout: self.body_timeout_seconds.map_or(defaults.body_timeout, seconds),
            max_connections: self.max_connections.unwrap_or(defaults.max_connections),
            max_connections_per_address: self
                .max_connections_per_address
                .unwrap_or(defaults.max_connections_per_address),
            trusted_proxies: self.trusted_proxies.clone(),
            body_budget_bytes: self.body_budget_mb.map_or(defaults.body_budget_bytes, |mb| mb * 1024 * 1024),
            http2: self.http2_cleartext,
            http2_max_streams: self.http2_max_streams.unwrap_or(defaults.http2_max_streams),
        }
    }

    pub fn web_config(&self) -> porten_web::WebConfig {
        let mut web = porten_web::WebConfig {
            secure_cookies: self.secure_cookies,
            trusted_proxies: self.trusted_proxies.clone(),
            public_url: std::env::var("PORTEN_PUBLIC_URL").ok().or_else(|| self.public_url.clone()),
            metrics_token: std::env::var("PORTEN_METRICS_TOKEN").ok().or_else(|| self.metrics_token.clone()),
            open311_jurisdiction: std::env::var("PORTEN_OPEN311_JURISDICTION")
                .ok()
                .or_else(|| self.open311_jurisdiction.clone()),
            ..Default::default()
        };
        if let Some(mb) = self.upload_mb_per_address_per_day {
            web.upload_bytes_per_address_per_day = mb.saturating_mul(1024 * 1024);
        }
        if let Some(n) = &self.city_name_sv {
            web.city_name_sv = n.clone();
        }
        if let Some(n) = &self.city_name_en {
            web.city_name_en = n.clone();
        }
        web
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_apply_unless_flags_override() {
        let c: Config = toml::from_str("database_url = \"postgres://db/porten\"\nlisten = \"0.0.0.0:9000\"").unwrap();
        assert_eq!(c.database_url(None), "postgres://db/porten");
        assert_eq!(c.database_url(Some("sqlite://x.db")), "sqlite://x.db");
        assert_eq!(Config::default().database_url(None), DEFAULT_DATABASE_URL);
        assert!(toml::from_str::<Config>("databse_url = \"typo\"").is_err(), "unknown keys are rejected");
    }
}
