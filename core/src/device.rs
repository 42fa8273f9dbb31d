//! Devices a tensor can live on. Ops dispatch on the device of their inputs; the GPU backend
//! adds its variant here and its arm in each dispatch without changing callers.

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Device {
    #[default]
    Cpu,
}

impl Device {
    pub fn name(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
        }
    }

    pub fn parse(name: &str) -> Result<Device> {
        match name.to_ascii_lowercase().as_str() {
            "cpu" | "cpu:0" | "/cpu:0" => Ok(Device::Cpu),
            other => Err(Error::Device(format!("unknown device '{other}': known devices are cpu"))),
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
