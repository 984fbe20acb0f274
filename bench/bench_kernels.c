/* bench_kernels.c: the benches' kernel selection and header lines
 * (bench_kernels.h). */
#include "config.h"

#include <stdio.h>

#include "bench_kernels.h"
#include "host/blas_kernel.h"
#include "nn/conv3x3.h"

void bench_kernels_select(void)
{
	struct blas_kernel kernel;
	blas_kernel_select_from_env(&kernel);
	char kernel_line[320];
	blas_kernel_describe(&kernel, kernel_line, sizeof kernel_line);
	printf("blas: %s\nconv 3x3: %s\n", kernel_line, conv3x3_describe());
}
