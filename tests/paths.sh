#!/bin/sh
# paths.sh: where the program looks for its files (tui/paths).
#  - No path of the source or build tree is compiled into the program
#    (strings): an installed copy never searches the checkout it was built
#    from.
#  - An uninstalled program finds the models/ and themes/ next to itself,
#    from any working directory, with no environment variable set (the
#    README's `./reconvene` in the checkout).
#  - $RECONVENE_MODELS_DIR and $RECONVENE_THEMES_DIR come first, and the
#    front end hands $RECONVENE_DATA to the engine (which reads no
#    environment itself, tests/engine_quiet.sh).
. "$(dirname "$0")/cli_lib.sh"
abs_src=$(cd "$src" && pwd)
abs_build=$(cd "$(dirname "$bin")" && pwd)

# --- nothing of the tree in the program ---------------------------------
if command -v strings >/dev/null 2>&1; then
	for d in "$abs_src" "$abs_build"; do
		if strings "$bin" | grep -qF -- "$d"; then
			bad "$bin contains the path $d:"
			strings "$bin" | grep -F -- "$d" | sed -n 1,5p
		else
			ok
		fi
	done
else
	echo "paths: no strings(1); the binary check is skipped"
fi

# --- next to the program -------------------------------------------------
# A copy (not a link: /proc/self/exe resolves links) with models/ and
# themes/ beside it, run elsewhere with a clean environment.
mkdir -p "$tmp/app" "$tmp/bare" "$tmp/elsewhere" "$tmp/home"
cp "$bin" "$tmp/app/reconvene"
cp "$bin" "$tmp/bare/reconvene"
ln -s "$abs_src/models" "$tmp/app/models"
ln -s "$abs_src/themes" "$tmp/app/themes"
clean() { # CMD...: no search variable, a private home
	(cd "$tmp/elsewhere" && env -u RECONVENE_MODELS_DIR -u RECONVENE_THEMES_DIR \
		-u XDG_CONFIG_HOME HOME="$tmp/home" "$@")
}
expect 0 clean "$tmp/app/reconvene" info
contains "$tmp/out" "resnet20"
expect 0 clean "$tmp/app/reconvene" heatmap lenet5 --method magnitude \
	--theme light --png "$tmp/light.png"
lacks "$tmp/err" "theme"
# Without models/ beside it only the installed directory is left.
clean "$tmp/bare/reconvene" info >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ]; then
	ok  # installed in $(pkgdatadir)
else
	contains "$tmp/err" "unknown model 'resnet20'"
	contains "$tmp/err" "$tmp/bare/models"
	lacks "$tmp/err" "$abs_src"
fi

# --- the environment first -----------------------------------------------
mkdir -p "$tmp/mymodels" "$tmp/mythemes"
cp "$abs_src/models/lenet5.cfg" "$tmp/mymodels/mynet.cfg"
cp "$abs_src/themes/light.theme" "$tmp/mythemes/mine.theme"
expect 0 clean env RECONVENE_MODELS_DIR="$tmp/mymodels" "$tmp/bare/reconvene" info mynet
contains "$tmp/out" "lenet5"
expect 0 clean env RECONVENE_MODELS_DIR="$tmp/mymodels" \
	RECONVENE_THEMES_DIR="$tmp/mythemes" "$tmp/bare/reconvene" heatmap mynet \
	--method magnitude --theme mine --png "$tmp/mine.png"
expect 1 clean env RECONVENE_MODELS_DIR="$tmp/mymodels" "$tmp/bare/reconvene" \
	heatmap mynet --method magnitude --theme mine --png "$tmp/mine.png"
contains "$tmp/err" "mine"

# --- $RECONVENE_DATA reaches the engine through the front end ------------
expect 0 env RECONVENE_DATA="$tmp/nodata" "$bin" score lenet5 --method snip
contains "$tmp/err" "reconvene: warning: $tmp/nodata: no dataset found"
contains "$tmp/err" "using the SYNTHETIC dataset"

cli_finish paths.sh
