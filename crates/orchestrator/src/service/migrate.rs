//! `migrate`: moving a legacy (Python tool) store over, each legacy artifact that checks out
//! the original way published as a new signed version.

use super::*;

impl Orchestrator {
    /// Moves a legacy (Python tool) store over: each legacy artifact whose id and signature
    /// check out the original way is published as a new signed version (metadata keeps the
    /// legacy id); failures are reported and skipped; legacy files are left untouched; a
    /// second run changes nothing.
    pub fn migrate(&self, dry_run: bool) -> Result<MigrateReport> {
        let mut meta = Map::new();
        meta.insert("dry_run".into(), json!(dry_run));
        self.traced("legacy_migration", meta, || self.migrate_inner(dry_run))
    }

    fn migrate_inner(&self, dry_run: bool) -> Result<MigrateReport> {
        self.ensure_initialized()?;
        let mut report = MigrateReport { dry_run, ..Default::default() };
        if !dry_run {
            report.layout_upgraded = self.upgrade_layout(&self.lock()?)?;
        }
        if !legacy::detect(&self.home) {
            return Ok(report);
        }
        let key = keys::load_signing_key(&self.home)?;
        let legacy_key_path = self.home.verification_key();
        let legacy_pem = fsutil::read(&legacy_key_path)?;
        let legacy_key = keys::parse_public_key(&String::from_utf8_lossy(&legacy_pem), &legacy_key_path)?;
        let (found, rejected) = legacy::scan(&self.home, &legacy_key)
            .map_err(|e| fsutil::FsError::new("cannot list", &self.home.legacy_artifacts_dir(), e))?;
        report.rejected = rejected
            .into_iter()
            .map(|r| RejectedArtifact { path: r.path.display().to_string(), reason: r.reason })
            .collect();
        let trust = self.trust()?;
        let lock = if dry_run { None } else { Some(self.lock()?) };
        for item in found {
            let (client, profile) = match (ClientId::parse(&item.client_id), ProfileId::parse(&item.profile_id)) {
                (Ok(c), Ok(p)) => (c, p),
                (Err(e), _) | (_, Err(e)) => {
                    report
                        .rejected
                        .push(RejectedArtifact { path: item.path.display().to_string(), reason: e.to_string() });
                    continue;
                }
            };
            if self.already_migrated(&trust, &client, &profile, &item.legacy_id)? {
                report.already_migrated.push(item.legacy_id);
                continue;
            }
            let payload = match canonical::parse_strict(&item.payload.to_string())
                .map_err(Error::from)
                .and_then(|v| check_servers_document(&v).map(|()| v))
            {
                Ok(value) => canonical::canonicalize_value(value),
                Err(e) => {
                    report
                        .rejected
                        .push(RejectedArtifact { path: item.path.display().to_string(), reason: e.to_string() });
                    continue;
                }
            };
            let mut metadata = item.metadata.clone();
            metadata.insert("legacy_artifact_id".into(), json!(item.legacy_id));
            metadata.insert("legacy_created_at".into(), json!(item.created_at));
            metadata.insert("migrated_from".into(), json!("mcp-orchestration 0.1.0 (Python)"));
            let version = match &lock {
                None => None,
                Some(lock) => Some(
                    registry::publish(
                        &self.home,
                        lock,
                        &key,
                        &trust,
                        &client,
                        &profile,
                        &payload,
                        PublishRequest { metadata, expires_at: None, failpoints: self.failpoints.clone() },
                        self.now(),
                    )?
                    .statement()
                    .version,
                ),
            };
            report.migrated.push(MigratedArtifact {
                legacy_id: item.legacy_id,
                client_id: client.to_string(),
                profile_id: profile.to_string(),
                version,
                artifact_id: payload.id().to_string(),
            });
        }
        Ok(report)
    }

    fn already_migrated(
        &self,
        trust: &TrustStore,
        client: &ClientId,
        profile: &ProfileId,
        legacy_id: &str,
    ) -> Result<bool> {
        Ok(registry::history(&self.home, trust, client, profile)?.iter().any(|entry| {
            entry
                .artifact
                .as_ref()
                .is_ok_and(|v| v.statement().metadata.get("legacy_artifact_id") == Some(&json!(legacy_id)))
        }))
    }
}
