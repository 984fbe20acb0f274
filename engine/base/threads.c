/* threads.c: the thread count of the engine's own parallel loops
 * (threads.h). */
#include "config.h"

#include "base/threads.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
#include <cblas.h>
#endif

void threads_set_count(int n)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	openblas_set_num_threads(n);
#endif
#ifdef _OPENMP
	omp_set_num_threads(n);
#endif
	(void)n;
}

size_t threads_part(size_t n, int nt, int t)
{
	size_t per = ((n + (size_t)nt - 1) / (size_t)nt + 15) & ~(size_t)15;
	size_t b = per * (size_t)t;
	return b < n ? b : n;
}

int threads_for_work(size_t work, size_t par_min)
{
#ifdef _OPENMP
	if (work < par_min)
		return 1;
	int nt = omp_get_max_threads();
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	int nb = openblas_get_num_threads();
	if (nb < nt)
		nt = nb;
#endif
	return nt > 1 ? nt : 1;
#else
	(void)work;
	(void)par_min;
	return 1;
#endif
}

int threads_team_index(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

int threads_team_size(void)
{
#ifdef _OPENMP
	return omp_get_num_threads();
#else
	return 1;
#endif
}

int threads_blas_serial_begin(void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	int nb = openblas_get_num_threads();
	if (nb > 1)
		openblas_set_num_threads(1);
	return nb;
#else
	return 1;
#endif
}

void threads_blas_serial_end(int saved)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	if (saved > 1)
		openblas_set_num_threads(saved);
#else
	(void)saved;
#endif
}
