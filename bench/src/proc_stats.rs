//! What the kernel says a process has used, from /proc.

use std::time::Duration;

/// CPU time (user + system) the process has used so far, its exited threads included.
pub fn cpu_time(pid: u32) -> std::io::Result<Duration> {
    cpu_ticks(pid, 2)
}

/// As [`cpu_time`], with that of the child processes it has waited for after they ended.
pub fn cpu_time_with_ended_children(pid: u32) -> std::io::Result<Duration> {
    cpu_ticks(pid, 4)
}

/// The first `counted` of utime, stime, cutime and cstime added up.
fn cpu_ticks(pid: u32, counted: usize) -> std::io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| invalid("no command name in /proc/<pid>/stat"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime, stime, cutime and cstime are fields 14 to 17 of the line, 12 to 15 after the name.
    let mut total: u64 = 0;
    for index in 11..11 + counted {
        total += fields
            .get(index)
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| invalid("short /proc/<pid>/stat"))?;
    }
    Ok(Duration::from_secs_f64(total as f64 / clock_ticks_per_second()))
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// Resident memory now (`VmRSS`) and at its highest so far (`VmHWM`), in bytes.
pub fn memory(pid: u32) -> std::io::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |name: &str| -> std::io::Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| invalid("no memory figures in /proc/<pid>/status"))
    };
    Ok(Memory {
        resident: kib("VmRSS:")? * 1024,
        peak_resident: kib("VmHWM:")? * 1024,
        anonymous: kib("RssAnon:")? * 1024,
        file_and_shared: (kib("RssFile:")? + kib("RssShmem:")?) * 1024,
    })
}

#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub resident: u64,
    pub peak_resident: u64,
    /// Of `resident`: heap and stacks...
    pub anonymous: u64,
    /// ...and mapped files and shared memory (the binary, SQLite's WAL index).
    pub file_and_shared: u64,
}

fn invalid(message: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

pub fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
