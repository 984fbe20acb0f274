#include "config.h"
#include <stdlib.h>
#include "cfg.h"
/* PLACEHOLDER */
enum eng_status cfg_parse_string(const char *text, size_t len, const char *path, struct net_spec *spec, struct eng_err *err)
{ (void)text; (void)len; (void)spec; return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", path); }
enum eng_status cfg_parse_file(const char *path, struct net_spec *spec, struct eng_err *err)
{ (void)spec; return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", path); }
char *cfg_write_string(const struct net_spec *spec) { (void)spec; return NULL; }
enum eng_status cfg_write_file(const char *path, const struct net_spec *spec, struct eng_err *err)
{ (void)spec; return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", path); }
