//! libtorch's OpenMP threads, for work of the project's own that must share
//! them: the int8 kernel ([`super::int8_vnni`]) and the floating-point mode
//! of every thread ([`flush_denormals`]).
//!
//! libtorch runs its operators on GNU OpenMP (libgomp, loaded with it). A
//! second thread pool next to it would put two busy threads on each core;
//! `GOMP_parallel`, found in the process at run time, hands work to the same
//! threads instead. Where that runtime is absent (another OpenMP, another
//! platform) the calling thread does the work alone.

use std::ffi::{c_int, c_uint, c_void};
use std::sync::OnceLock;

type GompParallel = unsafe extern "C" fn(extern "C" fn(*mut c_void), *mut c_void, c_uint, c_uint);
type OmpInt = unsafe extern "C" fn() -> c_int;

/// libgomp's entry points, when libtorch brought them into the process.
struct OpenMp {
    parallel: GompParallel,
    thread_num: OmpInt,
    num_threads: OmpInt,
    max_threads: OmpInt,
}

fn openmp() -> Option<&'static OpenMp> {
    static OPENMP: OnceLock<Option<OpenMp>> = OnceLock::new();
    OPENMP
        .get_or_init(|| {
            #[cfg(all(target_os = "linux", target_env = "gnu"))]
            {
                let find = |name: &std::ffi::CStr| {
                    // SAFETY: dlsym with a NUL-terminated name; null when absent.
                    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
                    (!p.is_null()).then_some(p)
                };
                let (parallel, thread_num, num_threads, max_threads) = (
                    find(c"GOMP_parallel")?,
                    find(c"omp_get_thread_num")?,
                    find(c"omp_get_num_threads")?,
                    find(c"omp_get_max_threads")?,
                );
                // SAFETY: these are libgomp's functions with these C signatures.
                unsafe {
                    Some(OpenMp {
                        parallel: std::mem::transmute::<*mut c_void, GompParallel>(parallel),
                        thread_num: std::mem::transmute::<*mut c_void, OmpInt>(thread_num),
                        num_threads: std::mem::transmute::<*mut c_void, OmpInt>(num_threads),
                        max_threads: std::mem::transmute::<*mut c_void, OmpInt>(max_threads),
                    })
                }
            }
            #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
            None
        })
        .as_ref()
}

/// Runs `work(part, parts)` for every part on libtorch's OpenMP threads
/// (`parts` = their count), or `work(0, 1)` on this thread without them.
pub fn parallel(work: &(dyn Fn(usize, usize) + Sync)) {
    let Some(omp) = openmp() else {
        return work(0, 1);
    };
    struct Job<'a> {
        work: &'a (dyn Fn(usize, usize) + Sync),
        omp: &'static OpenMp,
    }
    extern "C" fn run(data: *mut c_void) {
        // SAFETY: `data` is the `Job` below, alive until GOMP_parallel returns.
        let job = unsafe { &*(data as *const Job) };
        // SAFETY: called inside the parallel region libgomp opened.
        let (part, parts) = unsafe { ((job.omp.thread_num)(), (job.omp.num_threads)()) };
        (job.work)(part.max(0) as usize, parts.max(1) as usize);
    }
    let job = Job { work, omp };
    // SAFETY: libgomp runs `run` on each thread of the region and returns
    // when all are done; `job` outlives the call.
    unsafe {
        let threads = (omp.max_threads)().max(1) as c_uint;
        (omp.parallel)(run, &job as *const Job as *mut c_void, threads, 0);
    }
}

/// Sets flush-to-zero and denormals-are-zero on the calling thread and every
/// libtorch thread (as `torch.set_flush_denormal(True)` does on one thread).
///
/// Subnormal floats cost a microcode assist per operation on x86: the
/// log-softmax of a beam-search step over 250k scores, many of which
/// underflow `exp`, took 2.5 ms instead of 0.6. Values below 1.2e-38 become
/// zero, far under float32's resolution of any sum they enter.
pub fn flush_denormals() {
    #[cfg(target_arch = "x86_64")]
    {
        fn set() {
            // MXCSR bits 15 (flush to zero) and 6 (denormals are zero).
            #[allow(deprecated)]
            // SAFETY: only changes this thread's floating-point control bits.
            unsafe {
                use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
                _mm_setcsr(_mm_getcsr() | 0x8040);
            }
        }
        set();
        parallel(&|_, _| set());
    }
}
#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn every_part_runs_once() {
        let runs: Vec<AtomicUsize> = (0..64).map(|_| AtomicUsize::new(0)).collect();
        let seen_parts = AtomicUsize::new(0);
        parallel(&|part, parts| {
            seen_parts.store(parts, Ordering::SeqCst);
            runs[part].fetch_add(1, Ordering::SeqCst);
        });
        let parts = seen_parts.load(Ordering::SeqCst);
        assert!(parts >= 1);
        for (part, run) in runs.iter().enumerate() {
            let want = usize::from(part < parts);
            assert_eq!(run.load(Ordering::SeqCst), want, "part {part} of {parts}");
        }
    }

    /// After [`flush_denormals`], products that would be subnormal are zero
    /// on every libtorch thread (the tensor is large enough to be split).
    /// Flushing is set on x86-64 only, so the test exists there only.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn subnormal_results_become_zero_on_every_thread() {
        tch::set_num_threads(2);
        flush_denormals();
        let x = tch::Tensor::full([1 << 18], 1e-30, (tch::Kind::Float, tch::Device::Cpu));
        let product = x * 1e-10;
        assert_eq!(product.count_nonzero(None::<i64>).int64_value(&[]), 0);
    }
}
