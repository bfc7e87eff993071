//! `audit --ci`'s report as the MCP tool `audit_clients` and the REST `GET /v1/audit` give it:
//! the verdict and counts of the whole audit with one page of its findings (a model's context
//! and an HTTP answer stay bounded however many findings a machine has).

use serde::Serialize;

use super::{CiFile, CiFinding, CiReport, Level};
use crate::Result;
use crate::page::{self, PageRequest};

/// One page of an audit's findings, with what the whole audit found.
#[derive(Debug, Clone, Serialize)]
pub struct CiPage {
    /// Whether any finding (on any page) is an error or a warning.
    pub fails: bool,
    /// Every client file looked at.
    pub files: Vec<CiFile>,
    /// The number of trusted policies evaluated.
    pub policies: usize,
    /// Findings of level `error`, of the whole audit.
    pub errors: usize,
    /// Findings of level `warning`.
    pub warnings: usize,
    /// Findings of level `note`.
    pub notes: usize,
    /// Every finding of the audit (all pages).
    pub count: usize,
    /// This page's findings, in the report's order (file, server, rule).
    pub findings: Vec<CiFinding>,
    /// Pass as `cursor` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// The key a finding's cursor names: where it is and which rule.
fn key(f: &CiFinding) -> String {
    let (server, line) = (f.server.as_deref().unwrap_or(""), f.line.unwrap_or(0));
    format!("{}\u{1f}{}\u{1f}{server}\u{1f}{}\u{1f}{line}", f.client_id, f.file, f.rule_id)
}

impl CiReport {
    /// The page of findings `request` asks for (cursors of listing `audit`).
    pub fn page(self, request: &PageRequest<'_>) -> Result<CiPage> {
        let count_of = |level: Level| self.findings.iter().filter(|f| f.level == level).count();
        let (errors, warnings, notes) = (count_of(Level::Error), count_of(Level::Warning), count_of(Level::Note));
        let fails = self.fails();
        let keyed: Vec<(String, usize)> = self.findings.iter().enumerate().map(|(i, f)| (key(f), i)).collect();
        let page = page::page_in_order(&keyed, request, "audit", "", |(key, _)| key)?;
        let findings = page.items.iter().map(|(_, i)| self.findings[*i].clone()).collect();
        Ok(CiPage {
            fails,
            files: self.files,
            policies: self.policies,
            errors,
            warnings,
            notes,
            count: self.findings.len(),
            findings,
            next_cursor: page.next_cursor,
        })
    }
}
