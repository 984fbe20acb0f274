/* blas_info.c: see blas_info.h. */
#include "config.h"

#include "base/blas_info.h"

#if defined(HAVE_OPENBLAS_GET_CORENAME) || defined(HAVE_OPENBLAS_GET_CONFIG)
#include <cblas.h>
#endif

const char *blas_core_name(void)
{
#ifdef HAVE_OPENBLAS_GET_CORENAME
	const char *name = openblas_get_corename();
	return name && *name ? name : "unknown";
#else
	return "unknown";
#endif
}

const char *blas_library(void)
{
#ifdef HAVE_OPENBLAS_GET_CONFIG
	const char *config = openblas_get_config();
	return config && *config ? config : "unknown BLAS";
#else
	return "unknown BLAS";
#endif
}
