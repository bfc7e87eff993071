//! Container images for the `lock` tests of `docker run` servers: an OCI image layout built in a
//! temp dir (a real tar layer made by `tar`, an image config, a manifest, and for a
//! multi-platform image an index of two platform manifests), copied into the test's
//! `docker-registry` with `skopeo copy` (`--all` for an index); and what the registry serves,
//! read back with `skopeo inspect --raw`.

use std::path::Path;
use std::process::Command;

use mcp_testkit::registry::Registry;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// `sha256:<hex>` of bytes.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Writes a blob into the layout; returns its descriptor.
fn blob(layout: &Path, media_type: &str, bytes: &[u8]) -> Value {
    let digest = digest_of(bytes);
    let dir = layout.join("blobs/sha256");
    std::fs::create_dir_all(&dir).expect("blobs dir");
    std::fs::write(dir.join(digest.trim_start_matches("sha256:")), bytes).expect("write blob");
    json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
}

/// One platform's image: a tar layer holding `server.txt` with `marker`, its config, its
/// manifest; returns the manifest's descriptor.
fn image(layout: &Path, marker: &str, arch: &str) -> Value {
    let content = tempfile::tempdir().expect("tempdir");
    std::fs::write(content.path().join("server.txt"), marker).expect("layer file");
    let tar = content.path().join("layer.tar");
    let status = Command::new("tar")
        .args(["--owner=0", "--group=0", "--mtime=@0", "-cf"])
        .arg(&tar)
        .arg("-C")
        .arg(content.path())
        .arg("server.txt")
        .status()
        .expect("run tar");
    assert!(status.success(), "tar failed");
    let layer_bytes = std::fs::read(&tar).expect("read layer");
    let layer = blob(layout, "application/vnd.oci.image.layer.v1.tar", &layer_bytes);
    let config = json!({"architecture": arch, "os": "linux",
        "config": {"Entrypoint": ["/server"]},
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}});
    let config = blob(layout, "application/vnd.oci.image.config.v1+json", config.to_string().as_bytes());
    let manifest = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer]});
    let mut descriptor = blob(layout, MANIFEST, manifest.to_string().as_bytes());
    descriptor["platform"] = json!({"architecture": arch, "os": "linux"});
    descriptor
}

/// Builds an image (or, with `multi`, an index of an amd64 and an arm64 image) whose layer
/// holds `marker`, and copies it to `repository:tag` in `registry`. Returns the digest the
/// registry serves for the tag (of the bytes `skopeo inspect --raw` reads back).
pub fn push(registry: &Registry, repository: &str, tag: &str, marker: &str, multi: bool) -> String {
    let layout = tempfile::tempdir().expect("layout dir");
    let top = if multi {
        let manifests = vec![image(layout.path(), marker, "amd64"), image(layout.path(), marker, "arm64")];
        let index = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests});
        blob(layout.path(), INDEX, index.to_string().as_bytes())
    } else {
        let mut manifest = image(layout.path(), marker, "amd64");
        manifest.as_object_mut().expect("descriptor").remove("platform");
        manifest
    };
    let mut entry = top.clone();
    entry["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
    std::fs::write(layout.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
    std::fs::write(layout.path().join("index.json"), json!({"schemaVersion": 2, "manifests": [entry]}).to_string())
        .expect("index.json");
    let mut args = vec!["copy".to_owned(), "--quiet".to_owned(), "--preserve-digests".to_owned()];
    if multi {
        args.push("--all".to_owned());
    }
    args.extend(registry.skopeo_flags("dest"));
    args.push(format!("oci:{}:{tag}", layout.path().display()));
    args.push(registry.docker_ref(repository, tag));
    let out = Command::new("skopeo").args(&args).output().expect("skopeo (run scripts/install-test-deps.sh)");
    assert!(out.status.success(), "skopeo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let served = served_digest(registry, repository, tag);
    assert_eq!(served, top["digest"].as_str().expect("digest"), "the registry serves the bytes pushed");
    served
}

/// The digest of what the registry serves for `repository:tag`, from `skopeo inspect --raw`.
pub fn served_digest(registry: &Registry, repository: &str, tag: &str) -> String {
    let mut args = vec!["inspect".to_owned(), "--raw".to_owned()];
    args.extend(registry.skopeo_flags(""));
    args.push(registry.docker_ref(repository, tag));
    let out = Command::new("skopeo").args(&args).output().expect("skopeo");
    assert!(out.status.success(), "skopeo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    digest_of(&out.stdout)
}
