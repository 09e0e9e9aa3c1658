//! Where the transformer models run, chosen on the command line
//! (`--device cpu|cuda|cuda:N|auto`). This is only the user's choice; the
//! transformer engine turns it into a libtorch device, or a clear error
//! where no GPU is visible ([`crate::transformer::device`]).

/// The device the transformer models run on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DeviceChoice {
    /// The CPU (the default): the path every test and benchmark covers.
    #[default]
    Cpu,
    /// CUDA GPU number N (`cuda` is `cuda:0`); an error where it is absent.
    Cuda(usize),
    /// The first CUDA GPU when libtorch sees one, else the CPU.
    Auto,
}

impl DeviceChoice {
    pub fn is_cpu(self) -> bool {
        self == DeviceChoice::Cpu
    }
}

impl std::str::FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<DeviceChoice, String> {
        let lower = s.trim().to_ascii_lowercase();
        let bad = || format!("unknown device {s:?}: use cpu, cuda, cuda:N (N = 0, 1, …) or auto");
        match lower.as_str() {
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda(0)),
            "auto" => Ok(DeviceChoice::Auto),
            other => match other.strip_prefix("cuda:") {
                Some(n) => n.parse().map(DeviceChoice::Cuda).map_err(|_| bad()),
                None => Err(bad()),
            },
        }
    }
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceChoice::Cpu => f.write_str("cpu"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
            DeviceChoice::Auto => f.write_str("auto"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeviceChoice;

    #[test]
    fn device_names_parse_and_print_back() {
        for (text, device) in [
            ("cpu", DeviceChoice::Cpu),
            ("CUDA", DeviceChoice::Cuda(0)),
            ("cuda:1", DeviceChoice::Cuda(1)),
            ("auto", DeviceChoice::Auto),
        ] {
            assert_eq!(text.parse::<DeviceChoice>().unwrap(), device);
        }
        assert_eq!(DeviceChoice::Cuda(2).to_string(), "cuda:2");
        assert_eq!(
            DeviceChoice::Cuda(2).to_string().parse::<DeviceChoice>(),
            Ok(DeviceChoice::Cuda(2))
        );
        for bad in ["tpu", "cuda:", "cuda:x", "cuda:-1", ""] {
            let err = bad.parse::<DeviceChoice>().unwrap_err();
            assert!(err.contains("cuda:N"), "{bad}: {err}");
        }
    }
}
