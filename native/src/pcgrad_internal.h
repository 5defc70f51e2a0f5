// Internal helpers shared by the C API translation units.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "mtl4j_adamw.h"
#include "mtl4j_pcgrad.h"

namespace mtl4j::pcgrad {

// Thrown inside the library and turned into a status code + message at the C boundary.
class Error : public std::runtime_error {
public:
    Error(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

[[noreturn]] inline void fail(int status, const std::string& message) { throw Error(status, message); }

inline void require(bool ok, const std::string& message) {
    if (!ok) fail(MTL4J_PCGRAD_E_INVALID_ARGUMENT, message);
}

// Checks shared by every entry point that reads gradients.
void check_tasks(int T);
void check_length(int64_t n);
void check_grads(const void* const* grads, int T, const char* what);
void check_reduction(int reduction);
// Throws MTL4J_PCGRAD_E_NON_FINITE naming the first task whose squared norm is not finite.
void check_gram_diagonal(const double* gram, int T);

// CPU kernels (pcgrad_cpu.cpp); arguments already checked.
void gram_f32(const float* const* grads, int T, int64_t n, double* gram_out);
void combine_f32(const float* const* grads, int T, int64_t n, const double* weights, float* out);

// Fused AdamW step (adamw_cpu.cpp); arguments already checked.
void adamw_f32(float* p, const float* g, float* m, float* v, const float* decay, const float* scale, int64_t n,
               double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step);

// Host solve (pcgrad_solve.cpp); arguments already checked except orders.
void solve(const double* gram, int T, const int32_t* orders, int reduction, double eps,
           double* weights_out, int32_t* conflicts_out);

}  // namespace mtl4j::pcgrad
