//! A PostgreSQL cluster of the suite's own (`initdb` and `pg_ctl` on a temporary directory
//! and port), so it can be stopped, restarted and its log read without touching the
//! machine's server.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    /// Server settings beyond the suite's own (`-c name=value ...`).
    extra: String,
}

/// The directory of the newest installed PostgreSQL's programs.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's programs under /usr/lib/postgresql (the machine's PostgreSQL packages)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an installed PostgreSQL with initdb")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a PostgreSQL program; as root (CI), as the `postgres` user, which PostgreSQL requires.
fn run(bin: &Path, program: &str, args: &[&str]) -> std::process::Output {
    let path = bin.join(program);
    let output = if is_root() {
        Command::new("runuser").args(["-u", "postgres", "--"]).arg(&path).args(args).output()
    } else {
        Command::new(&path).args(args).output()
    };
    output.unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// A new, running cluster with trust authentication for the `postgres` user.
    #[allow(dead_code)]
    pub fn start() -> Cluster {
        Cluster::start_with("")
    }

    /// [`Cluster::start`] with more server settings (`-c name=value ...`).
    pub fn start_with(extra: &str) -> Cluster {
        let bin = bin_dir();
        let dir = std::env::temp_dir().join(format!("ward_faults_{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            assert!(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().unwrap().success());
        }
        let data = dir.join("data");
        let init = run(&bin, "initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
        let cluster = Cluster { dir, port: free_port(), bin, extra: extra.to_owned() };
        cluster.up();
        cluster
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// Starts the server (again), waiting until it accepts connections.
    pub fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c log_line_prefix='%m [%p] %a ' -c log_min_messages=warning {}",
            self.port,
            self.dir.display(),
            self.extra
        );
        let log = self.log_path().display().to_string();
        let started = run(&self.bin, "pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"]);
        assert!(started.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&started.stderr));
    }

    /// Stops the server at once (`-m fast`: connections are cut, transactions rolled back).
    pub fn down(&self) {
        let stopped = run(&self.bin, "pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
        assert!(stopped.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&stopped.stderr));
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = run(&self.bin, "pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
