//! The process-wide GPU context: one wgpu device and queue, created on first use, plus the
//! command batch every kernel launch is recorded into.
//!
//! Launches are not submitted one by one: they accumulate in one command encoder and go to the
//! queue together when a result is read back, when the batch is full, or when an upload needs
//! the queue. Each launch's small parameter block (shapes, strides, scalars) is appended to a
//! host-side arena and written to one parameter buffer just before the batch is submitted, so a
//! launch costs no buffer allocation of its own.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::error::{Error, Result};

use super::buffer::Pool;

/// Parameter words reserved per launch (a launch may take several slots).
const PARAM_SLOT_BYTES: u64 = 256;
/// The parameter arena of one batch.
const PARAM_BYTES: u64 = 256 * 1024;
/// Launches per batch before it is submitted anyway (keeps the GPU busy and memory bounded).
const MAX_LAUNCHES: usize = 192;

pub(crate) struct Gpu {
    pub device: ::wgpu::Device,
    pub queue: ::wgpu::Queue,
    pub info: ::wgpu::AdapterInfo,
    pub limits: ::wgpu::Limits,
    pipelines: Mutex<HashMap<&'static str, ::wgpu::ComputePipeline>>,
    modules: Mutex<HashMap<usize, ::wgpu::ShaderModule>>,
    batch: Mutex<Batch>,
    pub(crate) pool: Mutex<Pool>,
    /// The first error wgpu reported outside an error scope (shader or validation bugs), surfaced
    /// by the next readback instead of aborting the process.
    errors: std::sync::Arc<Mutex<Option<String>>>,
}

struct Batch {
    encoder: Option<::wgpu::CommandEncoder>,
    params: Vec<u8>,
    launches: usize,
    params_buf: ::wgpu::Buffer,
}

static GPU: OnceLock<std::result::Result<Gpu, String>> = OnceLock::new();

fn no_adapter_message(detail: &str) -> String {
    format!(
        "no GPU adapter was found ({detail}): the gpu device needs a Vulkan, Metal or DX12 driver. On Linux install a \
         Vulkan ICD: the GPU vendor's driver, or Mesa's software rasterizer lavapipe (Debian/Ubuntu packages \
         `mesa-vulkan-drivers` and `libvulkan1`). CPU tensors are unaffected."
    )
}

fn create() -> std::result::Result<Gpu, String> {
    let mut desc = ::wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    desc.backends = ::wgpu::Backends::VULKAN | ::wgpu::Backends::METAL | ::wgpu::Backends::DX12;
    let instance = ::wgpu::Instance::new(desc);
    let adapter = pollster::block_on(instance.request_adapter(&::wgpu::RequestAdapterOptions {
        power_preference: ::wgpu::PowerPreference::HighPerformance,
        force_fallback_adapter: false,
        compatible_surface: None,
        apply_limit_buckets: false,
    }))
    .map_err(|e| no_adapter_message(&e.to_string()))?;
    let info = adapter.get_info();
    // Take every limit the adapter offers: big storage buffers and workgroup memory matter here.
    let limits = adapter.limits();
    let (device, queue) = pollster::block_on(adapter.request_device(&::wgpu::DeviceDescriptor {
        label: Some("lamina"),
        required_features: ::wgpu::Features::empty(),
        required_limits: limits.clone(),
        experimental_features: ::wgpu::ExperimentalFeatures::disabled(),
        memory_hints: ::wgpu::MemoryHints::Performance,
        trace: ::wgpu::Trace::Off,
    }))
    .map_err(|e| no_adapter_message(&format!("the adapter '{}' refused to open a device: {e}", info.name)))?;
    let errors = std::sync::Arc::new(Mutex::new(None::<String>));
    let sink = errors.clone();
    device.on_uncaptured_error(std::sync::Arc::new(move |e: ::wgpu::Error| {
        if let Ok(mut slot) = sink.lock() {
            slot.get_or_insert_with(|| e.to_string());
        }
    }));
    let params_buf = device.create_buffer(&::wgpu::BufferDescriptor {
        label: Some("lamina params"),
        size: PARAM_BYTES,
        usage: ::wgpu::BufferUsages::STORAGE | ::wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    Ok(Gpu {
        device,
        queue,
        info,
        limits,
        pipelines: Mutex::new(HashMap::new()),
        modules: Mutex::new(HashMap::new()),
        batch: Mutex::new(Batch { encoder: None, params: Vec::new(), launches: 0, params_buf }),
        pool: Mutex::new(Pool::default()),
        errors,
    })
}

/// The GPU context, created on first call; an `Error::Device` when no adapter exists.
pub(crate) fn gpu() -> Result<&'static Gpu> {
    match GPU.get_or_init(create) {
        Ok(g) => Ok(g),
        Err(m) => Err(Error::Device(m.clone())),
    }
}

/// Whether a GPU adapter exists (creates the context on first call).
pub fn is_available() -> bool {
    gpu().is_ok()
}

/// The GPU context if it was already created (never creates one: used on drop paths).
pub(crate) fn gpu_if_created() -> Option<&'static Gpu> {
    GPU.get().and_then(|g| g.as_ref().ok())
}

fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>> {
    m.lock().map_err(|_| Error::Device("gpu: a previous call panicked while holding the command batch".into()))
}

/// One buffer argument of a launch: bound read-only or read-write.
pub(crate) enum Arg<'a> {
    Read(&'a ::wgpu::Buffer),
    Write(&'a ::wgpu::Buffer),
}

impl<'a> Arg<'a> {
    fn buffer(&self) -> &'a ::wgpu::Buffer {
        match self {
            Arg::Read(b) | Arg::Write(b) => b,
        }
    }
}

impl Gpu {
    /// The compute pipeline of `entry` in `source` (compiled once, then cached).
    fn pipeline(&self, source: &'static str, entry: &'static str) -> Result<::wgpu::ComputePipeline> {
        if let Some(p) = lock(&self.pipelines)?.get(entry) {
            return Ok(p.clone());
        }
        let module = {
            let mut modules = lock(&self.modules)?;
            modules
                .entry(source.as_ptr() as usize)
                .or_insert_with(|| {
                    self.device.create_shader_module(::wgpu::ShaderModuleDescriptor {
                        label: Some(entry),
                        source: ::wgpu::ShaderSource::Wgsl(source.into()),
                    })
                })
                .clone()
        };
        let p = self.device.create_compute_pipeline(&::wgpu::ComputePipelineDescriptor {
            label: Some(entry),
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache: None,
        });
        self.check_errors()?;
        lock(&self.pipelines)?.insert(entry, p.clone());
        Ok(p)
    }

    /// Records one kernel launch: `params` go to binding 0, `args` to bindings 1.. in order.
    pub(crate) fn launch(&self, source: &'static str, entry: &'static str, params: &[u32], args: &[Arg<'_>], groups: [u32; 3]) -> Result<()> {
        if groups.contains(&0) {
            return Ok(());
        }
        let pipeline = self.pipeline(source, entry)?;
        let bytes: &[u8] = bytemuck::cast_slice(params);
        let slot = (bytes.len() as u64).max(4).div_ceil(PARAM_SLOT_BYTES) * PARAM_SLOT_BYTES;
        let mut b = lock(&self.batch)?;
        if b.params.len() as u64 + slot > PARAM_BYTES || b.launches >= MAX_LAUNCHES {
            self.submit_locked(&mut b)?;
        }
        let offset = b.params.len() as u64;
        b.params.extend_from_slice(bytes);
        b.params.resize((offset + slot) as usize, 0);
        let mut entries = vec![::wgpu::BindGroupEntry {
            binding: 0,
            resource: ::wgpu::BindingResource::Buffer(::wgpu::BufferBinding {
                buffer: &b.params_buf,
                offset,
                size: std::num::NonZeroU64::new((bytes.len() as u64).max(4)),
            }),
        }];
        for (i, a) in args.iter().enumerate() {
            entries.push(::wgpu::BindGroupEntry { binding: i as u32 + 1, resource: a.buffer().as_entire_binding() });
        }
        let layout = pipeline.get_bind_group_layout(0);
        let bind = self.device.create_bind_group(&::wgpu::BindGroupDescriptor { label: None, layout: &layout, entries: &entries });
        // A kernel whose arguments do not fit its shader fails here, naming the op's entry point.
        self.check_errors()?;
        let device = &self.device;
        let enc = b.encoder.get_or_insert_with(|| device.create_command_encoder(&::wgpu::CommandEncoderDescriptor { label: None }));
        {
            let mut pass = enc.begin_compute_pass(&::wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
        }
        b.launches += 1;
        Ok(())
    }

    /// Records a buffer-to-buffer copy in the batch (ordered with the launches around it).
    pub(crate) fn copy(&self, src: &::wgpu::Buffer, src_offset: u64, dst: &::wgpu::Buffer, dst_offset: u64, bytes: u64) -> Result<()> {
        if bytes == 0 {
            return Ok(());
        }
        let mut b = lock(&self.batch)?;
        let device = &self.device;
        let enc = b.encoder.get_or_insert_with(|| device.create_command_encoder(&::wgpu::CommandEncoderDescriptor { label: None }));
        enc.copy_buffer_to_buffer(src, src_offset, dst, dst_offset, bytes);
        Ok(())
    }

    /// Submits the pending batch (if any) and returns the index to wait on.
    pub(crate) fn submit(&self) -> Result<Option<::wgpu::SubmissionIndex>> {
        let mut b = lock(&self.batch)?;
        self.submit_locked(&mut b)
    }

    fn submit_locked(&self, b: &mut Batch) -> Result<Option<::wgpu::SubmissionIndex>> {
        let Some(enc) = b.encoder.take() else { return Ok(None) };
        if !b.params.is_empty() {
            // Ordered after every earlier submission and before this one's commands.
            self.queue.write_buffer(&b.params_buf, 0, &b.params);
        }
        let index = self.queue.submit(Some(enc.finish()));
        b.params.clear();
        b.launches = 0;
        // Buffers freed while the batch was recorded are safe targets for uploads from now on.
        lock(&self.pool)?.batch_submitted();
        Ok(Some(index))
    }

    /// Reads `bytes` bytes at `offset` of `src` back to the host, waiting only for the
    /// submission that carries the copy.
    pub(crate) fn read(&self, src: &::wgpu::Buffer, offset: u64, bytes: u64) -> Result<Vec<u8>> {
        if bytes == 0 {
            return Ok(Vec::new());
        }
        let staging = self.device.create_buffer(&::wgpu::BufferDescriptor {
            label: Some("lamina readback"),
            size: bytes,
            usage: ::wgpu::BufferUsages::MAP_READ | ::wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.copy(src, offset, &staging, 0, bytes)?;
        let index = self.submit()?;
        let (tx, rx) = std::sync::mpsc::channel();
        staging.map_async(::wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        let waited = self.device.poll(::wgpu::PollType::Wait { submission_index: index, timeout: None });
        // A validation error recorded earlier explains a failed wait better than the wait does.
        self.check_errors()?;
        waited.map_err(|e| Error::Device(format!("gpu: waiting for a readback failed: {e}")))?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Error::Device(format!("gpu: mapping a readback buffer failed: {e}"))),
            Err(_) => return Err(Error::Device("gpu: the readback was never completed".into())),
        }
        let data = staging
            .get_mapped_range(..)
            .map_err(|e| Error::Device(format!("gpu: reading a mapped buffer failed: {e}")))?
            .to_vec();
        staging.unmap();
        Ok(data)
    }

    /// Waits for everything submitted so far (tests and benchmarks).
    pub(crate) fn wait_idle(&self) -> Result<()> {
        self.submit()?;
        let waited = self.device.poll(::wgpu::PollType::wait_indefinitely());
        self.check_errors()?;
        waited.map(|_| ()).map_err(|e| Error::Device(format!("gpu: waiting for the device failed: {e}")))
    }

    /// Turns an error wgpu reported asynchronously into an `Error::Device`.
    pub(crate) fn check_errors(&self) -> Result<()> {
        if let Some(m) = lock(&self.errors)?.take() {
            return Err(Error::Device(format!("gpu: {m}")));
        }
        Ok(())
    }

    /// Workgroup counts for `n` threads in groups of `size`, spread over x and y when x alone
    /// would exceed the adapter's limit (kernels rebuild the linear index from both).
    pub(crate) fn groups_1d(&self, n: usize, size: u32) -> [u32; 3] {
        let total = n.div_ceil(size as usize);
        let max_x = self.limits.max_compute_workgroups_per_dimension.max(1) as usize;
        if total <= max_x {
            [total as u32, 1, 1]
        } else {
            [max_x as u32, total.div_ceil(max_x) as u32, 1]
        }
    }
}
