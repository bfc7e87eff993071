//! `completions SHELL` and `man`: shell completion scripts (clap_complete) and man pages
//! (clap_mangen), both generated from the one clap definition in `args.rs`. Neither needs the
//! home.

use crate::args::{CompletionsArgs, ManArgs};
use crate::output::{self, UsageError};

const NAME: &str = "mcp-orchestration";

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut command = crate::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, NAME, &mut script);
    output::data(&String::from_utf8_lossy(&script));
    Ok(0)
}

pub fn man(args: &ManArgs) -> anyhow::Result<u8> {
    let command = crate::command();
    let Some(dir) = &args.dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        output::data(&String::from_utf8_lossy(&page));
        return Ok(0);
    };
    if !dir.is_dir() {
        return Err(UsageError(format!(
            "--dir {}: not a directory; create it first (e.g. mkdir -p {})",
            dir.display(),
            dir.display()
        ))
        .into());
    }
    clap_mangen::generate_to(command, dir)
        .map_err(|e| orchestrator::fsutil::FsError::new("cannot write man pages into", dir, e))?;
    output::say(&format!("wrote {NAME}.1 and one {NAME}-COMMAND.1 page per command into {}", dir.display()));
    Ok(0)
}
