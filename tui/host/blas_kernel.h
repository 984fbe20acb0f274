/* blas_kernel.h: run the best BLAS kernels this CPU supports.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels from the
 * CPU's family and model when it loads.  A CPU newer than the library
 * (Debian 12's OpenBLAS 0.3.21 on a 4th-generation Xeon) is not in its
 * table, and it falls back to the Prescott kernels (SSE3): sgemm 2.5-5x
 * slower than its AVX-512 kernels on the same machine.  This module looks
 * at what the CPU can do (AVX-512, AVX2+FMA, AVX; the compiler's
 * cpu-feature test, which also asks the OS whether it saves the wide
 * registers), and when OpenBLAS chose kernels of a lower level it switches
 * to the best ones, checks them against a naive GEMM on a few shapes, and
 * goes back to OpenBLAS's choice if they disagree.
 *
 * The switch goes through OpenBLAS's own start-up path
 * (gotoblas_dynamic_quit, then gotoblas_dynamic_init with
 * OPENBLAS_CORETYPE set for the call; the variable is restored after), so
 * OpenBLAS sizes its blocking for the new kernels exactly as if the user
 * had set the variable.  It is looked up with dlsym: with another BLAS, or
 * an OpenBLAS without DYNAMIC_ARCH, nothing is switched and the report
 * says why.  A user who sets OPENBLAS_CORETYPE decides alone.
 *
 * Call it once, first thing in main, before any BLAS call and before any
 * thread starts (the switch replaces the library's kernel table).
 *
 * Owns: the last selection, in static storage (blas_kernel_selected);
 * nothing to free.  Thread rules: blas_kernel_select* on the main thread
 * before other threads exist; the rest any thread afterwards.
 *
 *   struct blas_kernel k;
 *   blas_kernel_select_from_env(&k);                // in main()
 *   char line[256];
 *   blas_kernel_describe(blas_kernel_selected(), line, sizeof line);
 *   puts(line);   // "OpenBLAS 0.3.21, Zen kernels (OpenBLAS's choice, ...)"
 */
#ifndef RECONVENE_BLAS_KERNEL_H
#define RECONVENE_BLAS_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/* How the kernels in use came to be chosen. */
enum blas_kernel_how {
	BLAS_KERNEL_LIBRARY,	/* OpenBLAS's own choice was already the best */
	BLAS_KERNEL_USER,	/* the user set OPENBLAS_CORETYPE */
	BLAS_KERNEL_SWITCHED,	/* switched to the best, checked */
	BLAS_KERNEL_FELL_BACK,	/* switched, the check failed, went back */
	BLAS_KERNEL_FIXED,	/* cannot switch (not OpenBLAS DYNAMIC_ARCH) */
};

/* What the CPU supports, as far as BLAS kernels care. */
struct blas_cpu {
	bool avx512;	/* AVX-512 F, CD, BW, DQ and VL, usable by the OS */
	bool avx2_fma;	/* AVX2 and FMA */
	bool avx;
	bool amd;	/* AMD or Hygon: OpenBLAS's "Zen" tuning for AVX2 */
};

struct blas_kernel {
	enum blas_kernel_how how;
	char loaded[24];	/* the kernels OpenBLAS chose when it loaded */
	char best[24];		/* the best kernels for this CPU, "" if none */
	char active[24];	/* the kernels in use now */
	int check_shapes;	/* GEMM shapes checked (0: no check ran) */
	double check_error;	/* largest error / tolerance seen (< 1 passes) */
	bool check_passed;
};

/* Test hooks: what blas_kernel_select_from_env reads besides
 * OPENBLAS_CORETYPE (documented in docs/performance.md). */
struct blas_kernel_options {
	const char *user_coretype;	/* OPENBLAS_CORETYPE, NULL if unset */
	/* Act as if OpenBLAS had chosen these kernels at load time (tests:
	 * "Prescott" makes any AVX CPU look misdetected). */
	const char *pretend_loaded;
	bool fail_check;		/* make the check report a mismatch */
};

/* What this CPU supports (x86; all false elsewhere). */
struct blas_cpu blas_cpu_detect(void);

/* OpenBLAS's name for the best kernels `cpu` can run: "SkylakeX",
 * "Zen", "Haswell", "Sandybridge", or "" when none of those fits. */
const char *blas_best_core(const struct blas_cpu *cpu);

/* The instruction-set level of an OpenBLAS kernel name: 3 AVX-512, 2
 * AVX2, 1 AVX, 0 anything older or unknown (case-insensitive). */
int blas_core_level(const char *name);

/* cblas_sgemm against a naive double-precision loop on a fixed set of
 * row-major shapes (the ones the engine uses: NN, NT, TN, alpha and beta,
 * small and blocked sizes).  Returns the number of shapes checked; *worst
 * is the largest |error| / tolerance (tolerance 1e-4 of sum |a||b| per
 * element), so a correct kernel gives *worst < 1. */
int blas_gemm_check(double *worst);

/* Decide and switch as described above; fills *out and remembers it for
 * blas_kernel_selected.  Never fails: the worst case is OpenBLAS's own
 * choice, which is what runs without this module. */
void blas_kernel_select(const struct blas_kernel_options *opt,
			struct blas_kernel *out);

/* blas_kernel_select with OPENBLAS_CORETYPE and the test hooks
 * RECONVENE_BLAS_PRETEND=CORE and RECONVENE_BLAS_CHECK=fail read from the
 * environment; also caps the direct 3x3 conv kernels (conv3x3_cap_isa)
 * when RECONVENE_CONV3X3_ISA is avx2 or none (avx512: no cap; any other
 * value: no cap and one line on stderr).
 * This is what main() and the benchmark programs call. */
void blas_kernel_select_from_env(struct blas_kernel *out);

/* The last selection, or NULL when none ran. */
const struct blas_kernel *blas_kernel_selected(void);

/* One line for --version and benchmark output:
 *   "OpenBLAS 0.3.21, SkylakeX kernels (switched from Prescott, which
 *    OpenBLAS chose for this CPU; checked against a naive GEMM on 6 shapes)"
 * k NULL describes the library as it runs now. */
void blas_kernel_describe(const struct blas_kernel *k, char *buf, size_t n);

/* A short word for JSON: "library", "user", "switched", "fell-back",
 * "fixed". */
const char *blas_kernel_how_name(enum blas_kernel_how how);

#endif
