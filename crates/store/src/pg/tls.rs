//! TLS to PostgreSQL with rustls, honouring libpq's `sslmode` and `sslrootcert` as a
//! PostgreSQL administrator writes them in the URL: `disable` (plain), `prefer` (the
//! default: encrypted if the server offers it), `require` (encrypted or no connection; the
//! certificate checked against `sslrootcert` when one is given, as libpq does),
//! `verify-ca` (encrypted, the certificate signed by a trusted authority: `sslrootcert`,
//! else the web's roots) and `verify-full` (that, and issued for the host connected to).
//! The handshake's signatures are always checked.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The URL without the TLS settings (the `postgres` crate knows only some of them), the
/// mode, and the root certificate file.
pub(crate) fn split(url: &str) -> Result<(String, Mode, Option<String>), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), Mode::Prefer, None));
    };
    let mut mode = None;
    let mut root = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", v)) => mode = Some(v.to_string()),
            Some(("sslrootcert", v)) => root = Some(v.to_string()),
            _ => rest.push(pair),
        }
    }
    let mode = match mode.as_deref() {
        None | Some("prefer") | Some("allow") => Mode::Prefer,
        Some("disable") => Mode::Disable,
        // libpq: with a root certificate file, require checks the certificate against it.
        Some("require") if root.is_some() => Mode::VerifyCa,
        Some("require") => Mode::Require,
        Some("verify-ca") => Mode::VerifyCa,
        Some("verify-full") => Mode::VerifyFull,
        Some(other) => {
            return Err(format!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            ));
        }
    };
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, mode, root))
}

/// What the `postgres` crate is told: whether TLS may, or must, be used.
pub(crate) fn ssl_mode(m: Mode) -> postgres::config::SslMode {
    match m {
        Mode::Disable => postgres::config::SslMode::Disable,
        Mode::Prefer => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    }
}

/// The connector for a mode (`None`: plain connections).
pub(crate) fn connector(
    mode: Mode,
    root: Option<&str>,
) -> Result<Option<MakeRustlsConnect>, String> {
    if mode == Mode::Disable {
        return Ok(None);
    }
    // ring: no post-quantum key exchange (hence rustls's deprecation note), but no large
    // C build either, as aws-lc-rs would bring; a database link sits inside the council's
    // network, and the choice can move to aws-lc-rs behind a feature when it matters.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    match root {
        Some(path) => {
            for cert in CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read the root certificate {path}: {e}"))?
            {
                let cert = cert.map_err(|e| format!("{path} is not a PEM certificate: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("{path} holds a certificate rustls refuses: {e}"))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = match mode {
        Mode::VerifyFull => builder.with_root_certificates(roots).with_no_client_auth(),
        Mode::VerifyCa => {
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| e.to_string())?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName(inner)))
                .with_no_client_auth()
        }
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth(),
    };
    Ok(Some(MakeRustlsConnect::new(config)))
}

/// `require` and `prefer` without a root certificate: encrypted, the certificate taken as
/// offered (libpq's meaning), the handshake's signatures still checked.
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the certificate must chain to a trusted root; the host name is not checked.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_keeps_everything_but_the_tls_settings() {
        let (u, m, r) =
            split("postgres://u@h:5432/db?sslmode=verify-full&application_name=x").expect("ok");
        assert_eq!(
            (u.as_str(), m, r),
            (
                "postgres://u@h:5432/db?application_name=x",
                Mode::VerifyFull,
                None
            )
        );
        let (u, m, r) = split("postgres://u@h/db?sslrootcert=/ca.pem&sslmode=require").expect("ok");
        assert_eq!(
            (u.as_str(), m, r.as_deref()),
            ("postgres://u@h/db", Mode::VerifyCa, Some("/ca.pem"))
        );
        assert_eq!(split("postgres://u@h/db").expect("ok").1, Mode::Prefer);
        assert_eq!(
            split("postgres://u@h/db?sslmode=disable").expect("ok").1,
            Mode::Disable
        );
        assert!(split("postgres://u@h/db?sslmode=sometimes").is_err());
    }
}
