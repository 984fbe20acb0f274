/* target_clones.h: compile a hot loop for several x86-64 levels and pick
 * the best at load time.
 *
 * The engine is built for the baseline (-O2, SSE2), and -O2's cost model
 * leaves loops of unknown length scalar; a kernel marked ENG_TARGET_CLONES
 * is also compiled for AVX-512 (x86-64-v4) and AVX2 + FMA (x86-64-v3),
 * and the dynamic loader picks the clone the CPU runs (an ifunc).  Not in
 * a ThreadSanitizer build: gcc instruments the ifunc resolver, which the
 * loader runs before the TSan runtime is up (a crash at load).  Elsewhere
 * (clang, other CPUs) the mark is empty and the baseline runs.
 *
 * Owns: nothing (a macro).
 */
#ifndef RECONVENE_TARGET_CLONES_H
#define RECONVENE_TARGET_CLONES_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__) && __GNUC__ >= 11 && !defined(__SANITIZE_THREAD__)
#define ENG_TARGET_CLONES \
	__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ENG_TARGET_CLONES
#endif

#endif
