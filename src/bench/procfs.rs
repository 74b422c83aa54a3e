//! Memory and CPU of a process, read from `/proc` (Linux).

use std::fs;

/// Clock ticks per second in `/proc/PID/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// Which process to look at.
#[derive(Clone, Copy, Debug)]
pub enum Process {
    /// The bench itself.
    Me,
    Pid(u32),
}

impl Process {
    fn path(self, file: &str) -> String {
        match self {
            Process::Me => format!("/proc/self/{file}"),
            Process::Pid(pid) => format!("/proc/{pid}/{file}"),
        }
    }

    /// Resident memory in bytes (`VmRSS`), if the process exists.
    pub fn rss(self) -> Option<u64> {
        let status = fs::read_to_string(self.path("status")).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// CPU time used so far (user + system), in seconds.
    pub fn cpu_seconds(self) -> Option<f64> {
        let stat = fs::read_to_string(self.path("stat")).ok()?;
        cpu_from_stat(&stat)
    }
}

/// Fields 14 and 15 (utime, stime) of `/proc/PID/stat`; the command name
/// in field 2 may hold spaces, so count from its closing parenthesis.
fn cpu_from_stat(stat: &str) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_after_a_name_with_spaces() {
        let stat = "42 (my prog) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0";
        assert_eq!(cpu_from_stat(stat), Some(3.0));
    }

    #[test]
    fn reads_this_process() {
        assert!(Process::Me.rss().is_some_and(|rss| rss > 0));
        assert!(Process::Me.cpu_seconds().is_some());
    }
}
