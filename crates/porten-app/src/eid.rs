//! Citizen login with e-ID through OpenID Connect: how a real installation
//! reaches BankID or Freja eID, through a broker (an OpenID provider that
//! speaks the Swedish OIDC profile, *oidc.se*).
//!
//! The authorization code flow with PKCE, state and nonce, on the
//! `openidconnect` crate. [`Eid::begin`] gives the address to send the
//! browser to and a [`PendingLogin`] (state, nonce, PKCE verifier) that the
//! web layer keeps in a signed cookie until the provider sends the browser
//! back; [`Eid::finish`] checks the state, exchanges the code, verifies the
//! ID token (signature, issuer, audience, expiry, nonce) and reads the
//! person: the personnummer claim and the name. The provider's metadata is
//! discovered on first use and kept; a failed discovery is tried again at
//! the next login, so a provider that is down at start delays nothing.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use serde::{Deserialize, Serialize};

/// The claim of the Swedish OIDC profile that carries the personnummer.
pub const OIDC_SE_PERSONAL_NUMBER: &str = "https://id.oidc.se/claim/personalIdentityNumber";

/// How to reach the e-ID broker.
#[derive(Clone, Debug)]
pub struct EidSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `{public URL}/login/eid/callback`.
    pub redirect_url: String,
    /// The ID-token claim that holds the personnummer.
    pub personal_number_claim: String,
}

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// What must survive the round trip through the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The claims of a verified ID token: its whole payload, and the name it
/// gives (`name`, else given and family name).
#[derive(Clone, Debug)]
pub struct VerifiedClaims {
    pub payload: serde_json::Value,
    pub name: Option<String>,
}

/// Who the provider says signed in.
#[derive(Clone, PartialEq, Eq)]
pub struct EidPerson {
    /// Twelve digits.
    pub personal_number: String,
    pub name: String,
}

/// Why an e-ID login failed. The messages hold no personal data.
#[derive(Debug, thiserror::Error)]
pub enum EidError {
    #[error("the e-ID provider cannot be reached or described: {0}")]
    Provider(String),
    #[error("the login came back with another state than it left with")]
    State,
    #[error("the e-ID provider refused the login: {0}")]
    Refused(String),
    #[error("the ID token is not valid: {0}")]
    Token(String),
    #[error("the ID token has no personnummer claim ({0})")]
    NoPersonalNumber(String),
}

/// The e-ID login of an installation.
pub struct Eid {
    settings: EidSettings,
    http: openidconnect::reqwest::Client,
    client: tokio::sync::OnceCell<Client>,
}

impl Eid {
    pub fn new(settings: EidSettings) -> Result<Self, EidError> {
        // Following redirects would open the client up to SSRF.
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| EidError::Provider(e.to_string()))?;
        IssuerUrl::new(settings.issuer.clone()).map_err(|e| EidError::Provider(format!("issuer: {e}")))?;
        RedirectUrl::new(settings.redirect_url.clone()).map_err(|e| EidError::Provider(format!("redirect: {e}")))?;
        Ok(Self { settings, http, client: tokio::sync::OnceCell::new() })
    }

    async fn client(&self) -> Result<&Client, EidError> {
        self.client
            .get_or_try_init(|| async {
                let issuer =
                    IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| EidError::Provider(e.to_string()))?;
                let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
                    .await
                    .map_err(|e| EidError::Provider(e.to_string()))?;
                let redirect = RedirectUrl::new(self.settings.redirect_url.clone())
                    .map_err(|e| EidError::Provider(e.to_string()))?;
                Ok(CoreClient::from_provider_metadata(
                    metadata,
                    ClientId::new(self.settings.client_id.clone()),
                    self.settings.client_secret.clone().map(ClientSecret::new),
                )
                .set_redirect_uri(redirect))
            })
            .await
    }

    /// Starts a login: the provider's address to send the browser to, and
    /// what to keep until it comes back.
    pub async fn begin(&self) -> Result<(String, PendingLogin), EidError> {
        self.begin_with(&[]).await
    }

    /// Starts a login asking for `scopes` beside `openid` and `profile`
    /// (staff sign-in asks for `email`).
    pub async fn begin_with(&self, scopes: &[&str]) -> Result<(String, PendingLogin), EidError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("profile".into()))
            .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        Ok((url.to_string(), pending))
    }

    /// Finishes a login the provider sent back with `code` and `state`:
    /// the verified ID token's claims, for e-ID and for staff sign-in.
    pub async fn finish_claims(
        &self,
        pending: PendingLogin,
        code: &str,
        state: &str,
    ) -> Result<VerifiedClaims, EidError> {
        if !crate::auth::constant_time_eq(pending.state.as_bytes(), state.as_bytes()) {
            return Err(EidError::State);
        }
        let client = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| EidError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| EidError::Refused(e.to_string()))?;
        let id_token = openidconnect::TokenResponse::id_token(&response)
            .ok_or_else(|| EidError::Token("the answer has no ID token".into()))?;
        // Checks the signature, issuer, audience, expiry and nonce.
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
            .map_err(|e| EidError::Token(e.to_string()))?;
        // The personnummer (a claim of the Swedish profile) and staff roles
        // are claims the core claims type does not name: read them from the
        // payload of the token whose signature was just verified.
        let payload = id_token.to_string();
        let extra = payload
            .split('.')
            .nth(1)
            .and_then(|p| {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()
            })
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .unwrap_or_default();
        let name = claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()).or_else(|| {
            let given = claims.given_name().and_then(|n| n.get(None)).map(|n| n.to_string());
            let family = claims.family_name().and_then(|n| n.get(None)).map(|n| n.to_string());
            match (given, family) {
                (None, None) => None,
                (g, f) => Some(format!("{} {}", g.unwrap_or_default(), f.unwrap_or_default()).trim().to_owned()),
            }
        });
        Ok(VerifiedClaims { payload: extra, name })
    }

    /// Finishes a login the provider sent back with `code` and `state`.
    pub async fn finish(&self, pending: PendingLogin, code: &str, state: &str) -> Result<EidPerson, EidError> {
        let VerifiedClaims { payload: extra, name } = self.finish_claims(pending, code, state).await?;
        let claim = &self.settings.personal_number_claim;
        let personal_number = extra[claim.as_str()]
            .as_str()
            .map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| EidError::NoPersonalNumber(claim.clone()))?;
        let name = name.unwrap_or_else(|| "Invånare".to_owned());
        Ok(EidPerson { personal_number, name })
    }
}
