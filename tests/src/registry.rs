//! A real OCI registry (Debian's `docker-registry`, the CNCF distribution registry) on
//! a loopback port with its storage in a temporary folder, and `skopeo`, a registry
//! client no one here wrote.

use std::{
    io::{BufRead as _, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
};

/// A registry process, stopped when dropped.
#[derive(Debug)]
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    dir: tempfile::TempDir,
}

impl Registry {
    /// A registry anyone may push to and pull from.
    pub fn anonymous() -> Registry {
        Registry::start(&[])
    }

    /// A registry requiring HTTP basic auth for `users` (name, password).
    pub fn with_users(users: &[(&str, &str)]) -> Registry {
        Registry::start(users)
    }

    fn start(users: &[(&str, &str)]) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        // A free port: bound, read, released just before the registry binds it.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n  secret: weld-e2e\n",
            dir.path().join("storage").display()
        );
        if !users.is_empty() {
            let htpasswd = dir.path().join("htpasswd");
            let mut lines = String::new();
            for (user, password) in users {
                let out = Command::new("htpasswd")
                    .args(["-nbB", user, password])
                    .output()
                    .expect(
                        "htpasswd (Debian: apache2-utils) is installed; scripts/setup installs it",
                    );
                assert!(out.status.success());
                lines += String::from_utf8(out.stdout).unwrap().trim();
                lines += "\n";
            }
            std::fs::write(&htpasswd, lines).unwrap();
            config += &format!(
                "auth:\n  htpasswd:\n    realm: weld-e2e\n    path: {}\n",
                htpasswd.display()
            );
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docker-registry (Debian package) is installed; scripts/setup installs it");
        // Ready when it logs that it listens; its log is read to the end in the
        // background so it never blocks on a full pipe.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        loop {
            let line = lines
                .next()
                .expect("docker-registry logged `listening on` before exiting")
                .unwrap();
            if line.contains("listening on") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Registry { child, addr, dir }
    }

    /// Where the registry keeps the blob with `digest` (`sha256:<hex>`).
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// `<addr>/<repository>`.
    pub fn repo(&self, repository: &str) -> String {
        format!("{}/{repository}", self.addr)
    }

    /// Stops the registry (so later requests find nothing listening).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `skopeo` with `args` (TLS verification off: the test registry is plain HTTP).
pub fn skopeo(args: &[&str]) -> Output {
    Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo (Debian package) is installed; scripts/setup installs it")
}

/// The JSON `skopeo inspect --raw` prints for `reference` (a manifest).
pub fn raw_manifest(reference: &str) -> serde_json::Value {
    let out = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]);
    assert!(out.status.success(), "{}", crate::text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Unpacks the layers of the image tagged `tag` in the OCI layout `layout` into
/// `root`, in order, as a container runtime would (with the system's `tar`).
pub fn unpack_image(layout: &Path, tag: &str, root: &Path) -> serde_json::Value {
    let read = |digest: &str| {
        std::fs::read(
            layout
                .join("blobs/sha256")
                .join(digest.strip_prefix("sha256:").unwrap()),
        )
        .unwrap()
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .expect("the tag is in the layout's index");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(entry["digest"].as_str().unwrap())).unwrap();
    std::fs::create_dir_all(root).unwrap();
    for layer in manifest["layers"].as_array().unwrap() {
        let hex = layer["digest"]
            .as_str()
            .unwrap()
            .strip_prefix("sha256:")
            .unwrap();
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(layout.join("blobs/sha256").join(hex))
            .arg("-C")
            .arg(root)
            .status()
            .unwrap();
        assert!(status.success(), "unpacking layer {hex}");
    }
    serde_json::from_slice(&read(manifest["config"]["digest"].as_str().unwrap())).unwrap()
}
