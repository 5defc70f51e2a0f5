// The C API: argument checks, error capture (no exception leaves an extern "C"
// function), and the lazy loading of the optional CUDA plugin.
#include <dlfcn.h>

#include <cmath>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "pcgrad_cuda_plugin.h"
#include "pcgrad_internal.h"

namespace mtl4j::pcgrad {

namespace {

thread_local std::string last_error;

template <typename Body>
int guarded(Body body) {
    try {
        body();
        last_error.clear();
        return MTL4J_PCGRAD_OK;
    } catch (const Error& e) {
        last_error = e.what();
        return e.status();
    } catch (const std::bad_alloc&) {
        last_error = "out of memory";
        return MTL4J_PCGRAD_E_INTERNAL;
    } catch (const std::exception& e) {
        last_error = std::string("internal error: ") + e.what();
        return MTL4J_PCGRAD_E_INTERNAL;
    } catch (...) {
        last_error = "internal error: unknown exception";
        return MTL4J_PCGRAD_E_INTERNAL;
    }
}

double effective_eps(double eps) { return eps < 0 ? MTL4J_PCGRAD_DEFAULT_EPS : eps; }

// ---- CUDA plugin -------------------------------------------------------------------

struct CudaPlugin {
    bool loaded = false;
    std::string why_not;  // when !loaded
    std::string archs;
    mtl4j_pcgrad_cuda_device_count_fn device_count = nullptr;
    mtl4j_pcgrad_cuda_capability_fn capability = nullptr;
    mtl4j_pcgrad_cuda_gram_fn gram = nullptr;
    mtl4j_pcgrad_cuda_combine_fn combine = nullptr;
};

#ifdef MTL4J_PCGRAD_WITH_CUDA
// Directory of this library, to find the plugin beside it.
std::string own_directory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&own_directory), &info) == 0 || info.dli_fname == nullptr) return "";
    std::string path = info.dli_fname;
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

// Looks for the plugin: $MTL4J_PCGRAD_CUDA_LIB, then already loaded (e.g. preloaded by
// JavaCPP's Loader), then beside this library, then the default search path.
void* open_plugin(std::string& errors) {
    std::vector<std::pair<std::string, int>> candidates;
    if (const char* env = std::getenv("MTL4J_PCGRAD_CUDA_LIB"); env != nullptr && *env != '\0')
        candidates.emplace_back(env, RTLD_NOW | RTLD_LOCAL);
    candidates.emplace_back(MTL4J_PCGRAD_CUDA_PLUGIN_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    candidates.emplace_back(own_directory() + MTL4J_PCGRAD_CUDA_PLUGIN_SONAME, RTLD_NOW | RTLD_LOCAL);
    candidates.emplace_back(MTL4J_PCGRAD_CUDA_PLUGIN_SONAME, RTLD_NOW | RTLD_LOCAL);
    for (const auto& [name, flags] : candidates) {
        if (void* handle = dlopen(name.c_str(), flags)) return handle;
        if (!(flags & RTLD_NOLOAD)) {
            const char* e = dlerror();
            errors += errors.empty() ? "" : "; ";
            errors += e != nullptr ? e : name + ": not found";
        }
    }
    return nullptr;
}

template <typename Fn>
Fn symbol(void* handle, const char* name) {
    return reinterpret_cast<Fn>(dlsym(handle, name));
}
#endif

const CudaPlugin& cuda_plugin() {
    static CudaPlugin plugin;
    static std::once_flag once;
    std::call_once(once, [] {
#ifndef MTL4J_PCGRAD_WITH_CUDA
        plugin.why_not = "this build of mtl4j_pcgrad has no CUDA support (no CUDA toolkit at build time)";
#else
        std::string errors;
        void* handle = open_plugin(errors);
        if (handle == nullptr) {
            plugin.why_not = "cannot load the CUDA plugin " MTL4J_PCGRAD_CUDA_PLUGIN_SONAME ": " + errors;
            return;
        }
        auto abi = symbol<mtl4j_pcgrad_cuda_abi_fn>(handle, "mtl4j_pcgrad_cuda_abi");
        auto archs = symbol<mtl4j_pcgrad_cuda_archs_fn>(handle, "mtl4j_pcgrad_cuda_archs");
        plugin.device_count = symbol<mtl4j_pcgrad_cuda_device_count_fn>(handle, "mtl4j_pcgrad_cuda_device_count");
        plugin.capability = symbol<mtl4j_pcgrad_cuda_capability_fn>(handle, "mtl4j_pcgrad_cuda_capability");
        plugin.gram = symbol<mtl4j_pcgrad_cuda_gram_fn>(handle, "mtl4j_pcgrad_cuda_gram");
        plugin.combine = symbol<mtl4j_pcgrad_cuda_combine_fn>(handle, "mtl4j_pcgrad_cuda_combine");
        if (!abi || !archs || !plugin.device_count || !plugin.capability || !plugin.gram || !plugin.combine ||
            abi() != MTL4J_PCGRAD_CUDA_PLUGIN_ABI) {
            plugin.why_not = "the CUDA plugin " MTL4J_PCGRAD_CUDA_PLUGIN_SONAME
                             " does not match this library (rebuild both together)";
            return;
        }
        plugin.archs = archs();
        plugin.loaded = true;
#endif
    });
    return plugin;
}

// Throws MTL4J_PCGRAD_E_CUDA_UNAVAILABLE unless the plugin is loaded and sees a device.
const CudaPlugin& require_cuda() {
    const CudaPlugin& plugin = cuda_plugin();
    if (!plugin.loaded) fail(MTL4J_PCGRAD_E_CUDA_UNAVAILABLE, "CUDA unavailable: " + plugin.why_not);
    char err[512] = "";
    if (plugin.device_count(err, sizeof err) <= 0)
        fail(MTL4J_PCGRAD_E_CUDA_UNAVAILABLE,
             std::string("CUDA unavailable: ") + (err[0] != '\0' ? err : "no CUDA device"));
    return plugin;
}

void check_plugin_status(int status, const char* err) {
    if (status != MTL4J_PCGRAD_OK) fail(status, err);
}

void check_dtype(int dtype, int accum) {
    require(dtype == MTL4J_PCGRAD_F32 || dtype == MTL4J_PCGRAD_BF16,
            "dtype must be MTL4J_PCGRAD_F32 (0) or MTL4J_PCGRAD_BF16 (1), got " + std::to_string(dtype));
    require(accum == MTL4J_PCGRAD_ACCUM_F32 || accum == MTL4J_PCGRAD_ACCUM_F64,
            "accum must be MTL4J_PCGRAD_ACCUM_F32 (0) or MTL4J_PCGRAD_ACCUM_F64 (1), got " +
                std::to_string(accum));
}

void check_weights(const double* weights, int T) {
    require(weights != nullptr, "weights is NULL");
    for (int k = 0; k < T; ++k)
        require(std::isfinite(weights[k]), "weights[" + std::to_string(k) + "] is not finite");
}

}  // namespace

// ---- checks shared with the other translation units ---------------------------------

void check_tasks(int T) {
    require(T >= 2 && T <= MTL4J_PCGRAD_MAX_TASKS,
            "PCGrad needs 2 to " + std::to_string(MTL4J_PCGRAD_MAX_TASKS) + " tasks, got T = " + std::to_string(T));
}

void check_length(int64_t n) {
    require(n > 0, "gradients must have at least one element, got n = " + std::to_string(n));
}

void check_grads(const void* const* grads, int T, const char* what) {
    require(grads != nullptr, std::string(what) + " is NULL");
    for (int i = 0; i < T; ++i)
        require(grads[i] != nullptr, std::string(what) + "[" + std::to_string(i) + "] is NULL");
}

void check_reduction(int reduction) {
    require(reduction == MTL4J_PCGRAD_SUM || reduction == MTL4J_PCGRAD_MEAN,
            "reduction must be MTL4J_PCGRAD_SUM (0) or MTL4J_PCGRAD_MEAN (1), got " + std::to_string(reduction));
}

void check_gram_diagonal(const double* gram, int T) {
    for (int i = 0; i < T; ++i)
        if (!std::isfinite(gram[i * T + i]))
            fail(MTL4J_PCGRAD_E_NON_FINITE,
                 "the gradient of task " + std::to_string(i) +
                     " contains NaN or inf (its squared norm is " + std::to_string(gram[i * T + i]) + ")");
}

}  // namespace mtl4j::pcgrad

using namespace mtl4j::pcgrad;

extern "C" {

const char* mtl4j_pcgrad_last_error(void) { return last_error.c_str(); }

const char* mtl4j_pcgrad_features(void) {
    static std::string features;
    static std::once_flag once;
    try {
        std::call_once(once, [] {
            const CudaPlugin& plugin = cuda_plugin();
            features = plugin.loaded ? "pcgrad: cpu, cuda (" + plugin.archs + ")" : "pcgrad: cpu";
        });
    } catch (...) {
        return "pcgrad: cpu";
    }
    return features.c_str();
}

int mtl4j_pcgrad_cuda_available(void) {
    try {
        const CudaPlugin& plugin = cuda_plugin();
        char err[512];
        return plugin.loaded && plugin.device_count(err, sizeof err) > 0 ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

int mtl4j_pcgrad_capability_cuda(int device, int* major, int* minor) {
    return guarded([&] {
        require(major != nullptr && minor != nullptr, "major and minor must not be NULL");
        const CudaPlugin& plugin = require_cuda();
        char err[512] = "";
        int count = plugin.device_count(err, sizeof err);
        require(device >= 0 && device < count,
                "device " + std::to_string(device) + " does not exist (" + std::to_string(count) + " visible)");
        check_plugin_status(plugin.capability(device, major, minor, err, sizeof err), err);
    });
}

int mtl4j_pcgrad_gram_f32(const float* const* grads, int T, int64_t n, double* gram_out) {
    return guarded([&] {
        check_tasks(T);
        check_length(n);
        check_grads(reinterpret_cast<const void* const*>(grads), T, "grads");
        require(gram_out != nullptr, "gram_out is NULL");
        gram_f32(grads, T, n, gram_out);
        check_gram_diagonal(gram_out, T);
    });
}

int mtl4j_pcgrad_solve(const double* gram, int T, const int32_t* orders, int reduction, double eps,
                       double* weights_out, int32_t* conflicts_out) {
    return guarded([&] {
        check_tasks(T);
        require(gram != nullptr, "gram is NULL");
        require(weights_out != nullptr, "weights_out is NULL");
        check_reduction(reduction);
        require(!std::isnan(eps), "eps is NaN");
        solve(gram, T, orders, reduction, effective_eps(eps), weights_out, conflicts_out);
    });
}

int mtl4j_pcgrad_combine_f32(const float* const* grads, int T, int64_t n, const double* weights,
                             float* out) {
    return guarded([&] {
        check_tasks(T);
        check_length(n);
        check_grads(reinterpret_cast<const void* const*>(grads), T, "grads");
        check_weights(weights, T);
        require(out != nullptr, "out is NULL");
        combine_f32(grads, T, n, weights, out);
    });
}

int mtl4j_pcgrad_apply_f32(const float* const* grads, int T, int64_t n, const int32_t* orders,
                           int reduction, double eps, float* out, double* weights_out,
                           int32_t* conflicts_out) {
    return guarded([&] {
        check_tasks(T);
        check_length(n);
        check_grads(reinterpret_cast<const void* const*>(grads), T, "grads");
        check_reduction(reduction);
        require(out != nullptr, "out is NULL");
        require(!std::isnan(eps), "eps is NaN");
        std::vector<double> gram(static_cast<size_t>(T) * T);
        std::vector<double> weights(T);
        gram_f32(grads, T, n, gram.data());
        solve(gram.data(), T, orders, reduction, effective_eps(eps), weights.data(), conflicts_out);
        combine_f32(grads, T, n, weights.data(), out);
        if (weights_out != nullptr) std::copy(weights.begin(), weights.end(), weights_out);
    });
}

int mtl4j_pcgrad_gram_cuda(const void* const* grads, int dtype, int accum, int T, int64_t n,
                           double* gram_out_host, void* stream) {
    return guarded([&] {
        check_tasks(T);
        check_length(n);
        check_grads(grads, T, "grads");
        check_dtype(dtype, accum);
        require(gram_out_host != nullptr, "gram_out_host is NULL");
        const CudaPlugin& cuda = require_cuda();
        char err[1024] = "";
        check_plugin_status(cuda.gram(grads, dtype, accum, T, n, gram_out_host, stream, err, sizeof err), err);
        check_gram_diagonal(gram_out_host, T);
    });
}

int mtl4j_pcgrad_combine_cuda(const void* const* grads, int dtype, int accum, int T, int64_t n,
                              const double* weights_host, void* out, void* stream) {
    return guarded([&] {
        check_tasks(T);
        check_length(n);
        check_grads(grads, T, "grads");
        check_dtype(dtype, accum);
        check_weights(weights_host, T);
        require(out != nullptr, "out is NULL");
        const CudaPlugin& cuda = require_cuda();
        char err[1024] = "";
        check_plugin_status(cuda.combine(grads, dtype, accum, T, n, weights_host, out, stream, err, sizeof err), err);
    });
}

int mtl4j_pcgrad_apply_cuda(const void* const* grads, int dtype, int accum, int T, int64_t n,
                            const int32_t* orders, int reduction, double eps, void* out,
                            double* weights_out, int32_t* conflicts_out, void* stream) {
    return guarded([&] {
        check_tasks(T);
        check_length(n);
        check_grads(grads, T, "grads");
        check_dtype(dtype, accum);
        check_reduction(reduction);
        require(out != nullptr, "out is NULL");
        require(!std::isnan(eps), "eps is NaN");
        const CudaPlugin& cuda = require_cuda();
        std::vector<double> gram(static_cast<size_t>(T) * T);
        std::vector<double> weights(T);
        char err[1024] = "";
        check_plugin_status(cuda.gram(grads, dtype, accum, T, n, gram.data(), stream, err, sizeof err), err);
        solve(gram.data(), T, orders, reduction, effective_eps(eps), weights.data(), conflicts_out);
        check_plugin_status(cuda.combine(grads, dtype, accum, T, n, weights.data(), out, stream, err, sizeof err), err);
        if (weights_out != nullptr) std::copy(weights.begin(), weights.end(), weights_out);
    });
}

int mtl4j_adamw_step_f32(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, const float* decay,
                         const float* scale, int64_t n, double lr, double beta1, double beta2, double eps,
                         double weight_decay, int64_t step) {
    return guarded([&] {
        require(param && grad && exp_avg && exp_avg_sq, "adamw: null parameter, gradient or moment buffer");
        check_length(n);
        require(step >= 1, "adamw: step must be at least 1, got " + std::to_string(step));
        require(std::isfinite(lr) && lr >= 0, "adamw: learning rate must be finite and >= 0");
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "adamw: betas must be in [0, 1)");
        require(eps > 0 && std::isfinite(eps), "adamw: eps must be finite and > 0");
        require(std::isfinite(weight_decay) && weight_decay >= 0, "adamw: weight decay must be finite and >= 0");
        adamw_f32(param, grad, exp_avg, exp_avg_sq, decay, scale, n, lr, beta1, beta2, eps, weight_decay, step);
    });
}

}  // extern "C"
