//! HTTPS (`--tls CERT,KEY` or `--tls self-signed`): some Salesforce clients
//! write `https://` into every URL they build.
//!
//! `self-signed` generates a throwaway certificate authority and a server
//! certificate for `localhost` and `127.0.0.1` signed by it, and writes the
//! authority's PEM to a file a client can trust (`REQUESTS_CA_BUNDLE`,
//! `NODE_EXTRA_CA_CERTS`, …). Handshakes run off the accept loop, so a
//! client that stalls mid-handshake holds up nobody else.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// What `--tls` resolved to.
pub struct Tls {
    pub config: Arc<ServerConfig>,
    /// The PEM a client should trust (the generated authority, or the
    /// given certificate).
    pub trust_pem: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("--tls: expected CERT,KEY or self-signed, got {0:?}")]
    Spec(String),
    #[error("--tls: reading {0}: {1}")]
    Pem(PathBuf, String),
    #[error("--tls: {0}")]
    Config(String),
    #[error("--tls: writing the generated certificate: {0}")]
    Io(#[from] std::io::Error),
    #[error("--tls: generating a certificate: {0}")]
    Generate(String),
}

fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Resolves `--tls`.
pub fn load(spec: &str) -> Result<Tls, TlsError> {
    if spec == "self-signed" {
        return self_signed();
    }
    let (cert, key) = spec
        .split_once(',')
        .ok_or_else(|| TlsError::Spec(spec.to_string()))?;
    let (cert, key) = (PathBuf::from(cert.trim()), PathBuf::from(key.trim()));
    let certs = CertificateDer::pem_file_iter(&cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Pem(cert.clone(), e.to_string()))?;
    let key_der = PrivateKeyDer::from_pem_file(&key)
        .map_err(|e| TlsError::Pem(key.clone(), e.to_string()))?;
    Ok(Tls {
        config: server_config(certs, key_der)?,
        trust_pem: cert,
    })
}

fn self_signed() -> Result<Tls, TlsError> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let err = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ledgerbridge Salesforce simulator CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().map_err(err)?;
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(err)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).map_err(err)?;

    let dir = std::env::temp_dir().join(format!(
        "ledgerbridge-salesforce-sim-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let trust_pem = dir.join("ca.pem");
    std::fs::write(&trust_pem, ca.pem())?;
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| TlsError::Generate(e.to_string()))?;
    let certs = vec![leaf.der().clone(), ca.der().clone()];
    Ok(Tls {
        config: server_config(certs, key)?,
        trust_pem,
    })
}

/// A listener whose connections arrive already through the TLS handshake.
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, rx) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let Ok((stream, addr)) = tcp.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(tls) => {
                            let _ = tx.send((tls, addr)).await;
                        }
                        Err(e) => tracing::debug!(error = %e, "TLS handshake failed"),
                    }
                });
            }
        });
        Ok(TlsListener { rx, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // the accept task never ends while the listener lives
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
