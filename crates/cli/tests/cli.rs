//! End-to-end tests of the `mcp-orchestration` binary: real processes, real files in temp
//! directories, a fixed clock and fixed keys (see `mcp-testkit`).

mod cli {
    mod audit_ci;
    mod bridge;
    mod canary;
    mod canary_rest;
    mod catalog;
    pub mod common;
    #[cfg(feature = "failpoints")]
    mod crash;
    #[cfg(feature = "failpoints")]
    pub mod crash_ops;
    #[cfg(feature = "failpoints")]
    mod crash_remote;
    mod deploy;
    mod drift;
    mod files;
    mod gc;
    mod init;
    mod keys;
    mod lock;
    mod lock_oci;
    mod lock_oci_support;
    mod lock_probe;
    mod lock_pypi;
    mod lock_support;
    mod migrate;
    mod one_list;
    mod output;
    mod ownership;
    mod paging;
    mod perms;
    mod policy;
    mod policy_enforce;
    mod policy_floor;
    mod policy_remote;
    mod policy_render;
    mod pty;
    mod publish_get;
    mod recovery;
    pub mod remote;
    mod remote_attacks;
    mod remote_faults;
    mod remote_requests;
    mod remote_token;
    mod scopes;
    mod secrets;
    mod tamper;
    mod terminal;
    mod undo;
    mod verify_all;
}
