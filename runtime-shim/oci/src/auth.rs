//! Credentials and transport for one registry.
//!
//! Credentials are looked up in this order, the first that has any wins:
//! 1. given explicitly (`--username` with `--password-stdin`);
//! 2. the environment: `WELD_REGISTRY_USERNAME` and `WELD_REGISTRY_PASSWORD`;
//! 3. Docker's config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`),
//!    credential helpers included;
//! 4. Podman's and skopeo's `auth.json` (`$REGISTRY_AUTH_FILE`, else
//!    `$XDG_RUNTIME_DIR/containers/auth.json`);
//! 5. none: anonymous.
//!
//! Transport is HTTPS, except to a loopback registry (`localhost`, `127.0.0.0/8`,
//! `[::1]`) or when `--insecure` is given: plain HTTP never happens by accident.

use std::fmt;
use std::net::IpAddr;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;

/// Credentials and where they came from (named in errors; never the secret itself).
#[derive(Clone, Default)]
pub struct Credentials {
    auth: Option<(String, String)>,
    source: CredentialSource,
}

/// Where a set of credentials came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CredentialSource {
    /// No credentials: anonymous access.
    #[default]
    Anonymous,
    /// `--username` / `--password-stdin`.
    Flags,
    /// `WELD_REGISTRY_USERNAME` / `WELD_REGISTRY_PASSWORD`.
    Environment,
    /// Docker's `config.json`.
    DockerConfig,
    /// Podman's / skopeo's `auth.json`.
    PodmanAuth,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Anonymous => "no credentials (anonymous)",
            Self::Flags => "the credentials given with --username",
            Self::Environment => {
                "the credentials in WELD_REGISTRY_USERNAME / WELD_REGISTRY_PASSWORD"
            }
            Self::DockerConfig => "the credentials in Docker's config.json",
            Self::PodmanAuth => "the credentials in containers/auth.json",
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password.
        f.debug_struct("Credentials")
            .field("username", &self.auth.as_ref().map(|(user, _)| user))
            .field("source", &self.source)
            .finish()
    }
}

impl Credentials {
    /// Explicit credentials (from flags).
    pub fn explicit(username: String, password: String) -> Self {
        Self {
            auth: Some((username, password)),
            source: CredentialSource::Flags,
        }
    }

    /// Where these came from.
    pub fn source(&self) -> CredentialSource {
        self.source
    }

    /// The credentials for `registry` when none were given explicitly: environment,
    /// then Docker's config, then Podman's, else anonymous.
    pub fn lookup(registry: &str) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let (Some(user), Some(password)) =
            (var("WELD_REGISTRY_USERNAME"), var("WELD_REGISTRY_PASSWORD"))
        {
            return Self {
                auth: Some((user, password)),
                source: CredentialSource::Environment,
            };
        }
        let from_docker = |credential| match credential {
            docker_credential::DockerCredential::UsernamePassword(user, password) => {
                Some((user, password))
            }
            // An identity token is an OAuth refresh token for a token service, which
            // registries accept as the password of the `<token>` user.
            docker_credential::DockerCredential::IdentityToken(token) => {
                Some(("<token>".to_string(), token))
            }
        };
        let files = [
            (
                docker_credential::get_credential as fn(&str) -> _,
                CredentialSource::DockerConfig,
            ),
            (
                docker_credential::get_podman_credential,
                CredentialSource::PodmanAuth,
            ),
        ];
        for (read, source) in files {
            if let Some(auth) = read(registry).ok().and_then(from_docker) {
                return Self {
                    auth: Some(auth),
                    source,
                };
            }
        }
        Self::default()
    }

    pub(crate) fn registry_auth(&self) -> RegistryAuth {
        match &self.auth {
            Some((user, password)) => RegistryAuth::Basic(user.clone(), password.clone()),
            None => RegistryAuth::Anonymous,
        }
    }
}

/// How to talk to a registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Allow plain HTTP to a registry that is not on loopback.
    pub insecure: bool,
    /// Credentials to use; `None` looks them up ([`Credentials::lookup`]).
    pub credentials: Option<Credentials>,
}

/// Whether `registry` (`host[:port]`) is on this machine.
pub fn is_loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        // `[::1]:5000`
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => registry.rsplit_once(':').map_or(registry, |(host, _)| host),
    };
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether requests to `registry` go over plain HTTP under `options`.
pub fn uses_plain_http(registry: &str, options: &RegistryOptions) -> bool {
    options.insecure || is_loopback(registry)
}

pub(crate) fn client_config(registry: &str, options: &RegistryOptions) -> ClientConfig {
    let protocol = if uses_plain_http(registry, options) {
        ClientProtocol::HttpsExcept(vec![registry.to_string()])
    } else {
        ClientProtocol::Https
    };
    ClientConfig {
        protocol,
        connect_timeout: Some(std::time::Duration::from_secs(10)),
        user_agent: concat!("weld/", env!("CARGO_PKG_VERSION")),
        ..ClientConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_registries_get_plain_http_by_default() {
        for registry in [
            "localhost:5000",
            "127.0.0.1:5000",
            "127.8.0.1",
            "[::1]:5000",
        ] {
            assert!(is_loopback(registry), "{registry}");
        }
        for registry in [
            "ghcr.io",
            "10.0.0.1:5000",
            "registry.local:5000",
            "localhost.evil.com",
        ] {
            assert!(!is_loopback(registry), "{registry}");
            assert!(!uses_plain_http(registry, &RegistryOptions::default()));
            assert!(uses_plain_http(
                registry,
                &RegistryOptions {
                    insecure: true,
                    credentials: None
                }
            ));
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let text = format!("{:?}", Credentials::explicit("me".into(), "hunter2".into()));
        assert!(text.contains("me") && !text.contains("hunter2"), "{text}");
    }
}
