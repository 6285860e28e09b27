#!/usr/bin/env bash
# Rebuild Boothcast's bundled translation models from scratch (fixed seeds).
#
#   translation/build/build_all.sh
#
# Creates a throwaway venv for torch under translation/build/work/ (git-ignored), generates the
# corpus, trains the joint SentencePiece model and the four directions, converts them to
# CTranslate2 int8 and writes translation/bundled/*.argosmodel plus the held-out test sets.
#
# Environment knobs:
#   PYTHON=python3.11   interpreter used to create the venv
#   PARALLEL=1          train the four directions at once, one thread each (0 = one after another)
#   MAX_MINUTES=...     optional wall-clock cap per direction (breaks bit-reproducibility if it triggers)
#   STAGE1=train        train stage 1 from scratch (~95 min on 2 cores); STAGE1=git:<commit> takes the
#                       stage-1 packages committed at <commit> (git:564a9e9) instead
#   STAGE2=train        train stage 2 (~80 min); STAGE2=git:<commit> takes the stage-2 packages
#                       committed at <commit> (git:bc82502) instead, and skips stage 1
#   STAGE3=train        train stage 3 (~75 min); STAGE3=git:<commit> takes the stage-3 packages
#                       committed at <commit> (git:22aada0) instead, and skips stages 1 and 2
#   STAGE4=train        train stage 4 (~80 min); STAGE4=git:<commit> takes the stage-4 packages
#                       committed at <commit> (git:14d38f6) instead, and skips stages 1 to 3
#   STAGE5=train        train stage 5 (~60 min); STAGE5=git:<commit> takes the stage-5 packages
#                       committed at <commit> (git:33a24f0) instead, and skips stages 1 to 4
#   STAGES=6            stop after an earlier stage with STAGES=1, 2, 3, 4 or 5
#   CORPUS_DIR=...      read the chat corpus from a copy (e.g. a snapshot while it is being edited)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$HERE/work"
VENV="$WORK/venv"
PY="${PYTHON:-python3.11}"
PARALLEL="${PARALLEL:-1}"
MAX_MINUTES="${MAX_MINUTES:-1000000000}"
SEED=1234

# Steps per direction of the committed models (one stage from scratch). The first build ran under
# a wall-clock budget (MAX_MINUTES); the step counts it reached are fixed here, so a rebuild
# repeats the same computation.
declare -A STEPS=([en_zh]=3231 [zh_en]=3327 [en_es]=3323 [es_en]=3026)
# Stage 2 continues each stage-1 model (its exported int8 weights, dequantised) on the grown chat
# corpus (chat_corpus.STAGE2_FILES), the LR schedule carrying on from the
# stage-1 step; its step counts were also reached under a wall-clock budget and are fixed here.
declare -A STEPS2=([en_zh]=2858 [zh_en]=2962 [en_es]=2981 [es_en]=2789)
# Stage 3 continues each stage-2 model on the corpus grown again (chat_corpus.STAGE3_FILES), in
# the same way; its step counts too were reached under a wall-clock budget.
declare -A STEPS3=([en_zh]=1848 [zh_en]=1987 [en_es]=1889 [es_en]=1822)
# Stage 4 continues each stage-3 model on the corpus grown once more (chat_corpus.STAGE4_FILES).
# Its step counts, too, were reached under a wall-clock budget (MAX_MINUTES=80) and are fixed here.
declare -A STEPS4=([en_zh]=3210 [zh_en]=3332 [en_es]=3267 [es_en]=3160)
# Stage 5 continues each stage-4 model on the corpus grown once more (chat_corpus.STAGE5_FILES).
# Its step counts, too, were reached under a wall-clock budget (MAX_MINUTES=60) and are fixed here.
declare -A STEPS5=([en_zh]=2741 [zh_en]=2871 [en_es]=2852 [es_en]=2717)
# Stage 6 continues each stage-5 model on the corpus grown once more (chat_corpus.STAGE6_FILES),
# keeping an exponential moving average of the weights (--ema). Its step counts, too, were reached
# under a wall-clock budget (MAX_MINUTES=65) and are fixed here.
declare -A STEPS6=([en_zh]=2913 [zh_en]=2921 [en_es]=2932 [es_en]=2801)
STAGE1="${STAGE1:-train}"
STAGE2="${STAGE2:-train}"
STAGE3="${STAGE3:-train}"
STAGE4="${STAGE4:-train}"
STAGE5="${STAGE5:-train}"
STAGES="${STAGES:-6}"
DIRECTIONS=(en_zh zh_en en_es es_en)

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install torch==2.13.0
    "$VENV/bin/pip" install ctranslate2==4.8.5 sentencepiece==0.2.3 onnx numpy sacrebleu==2.6.0
fi
VPY="$VENV/bin/python"

cd "$ROOT"
rm -rf "$WORK"/data "$WORK"/data[2-9] "$WORK/spm" "$WORK"/models "$WORK"/models[2-9] "$WORK/staging"

COMMON=(--seed "$SEED" --threads 1
        --d-model 192 --ffn 768 --enc-layers 3 --dec-layers 3 --dropout 0.2
        --lr 1.5e-3 --warmup 300 --batch-tokens 2500 --label-smoothing 0.1
        --eval-every 200 --target-acc 0.99 --max-minutes "$MAX_MINUTES")

run_directions() {  # run_directions <function>: all four at once (PARALLEL=1) or in turn
    local pids=()
    for d in "${DIRECTIONS[@]}"; do
        if [ "$PARALLEL" = "1" ]; then "$1" "$d" & pids+=($!); else "$1" "$d"; fi
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
}

from_git() {  # from_git <commit> <models dir>: the committed packages' CTranslate2 models and spm
    mkdir -p "$WORK/spm"
    for d in "${DIRECTIONS[@]}"; do
        mkdir -p "$2/$d/model"
        git -C "$ROOT" show "$1:translation/bundled/$d.argosmodel" > "$2/$d/committed.argosmodel"
        unzip -o -q -j "$2/$d/committed.argosmodel" '*/model/*' -d "$2/$d/model"
        unzip -o -q -j "$2/$d/committed.argosmodel" '*/sentencepiece.model' -d "$WORK/spm"
    done
}

# ---- stage 1: the templates and the stage-1 chat files, from scratch -------------------------
if [ "$STAGE2" != "train" ] || [ "$STAGE3" != "train" ] || [ "$STAGE4" != "train" ] || [ "$STAGE5" != "train" ]; then
    :  # a later stage comes from git, so stage 1 is not needed
elif [ "$STAGE1" = "train" ]; then
    "$VPY" "$HERE/corpus.py" --stage 1 --out "$WORK/data" --seed "$SEED"
    "$VPY" "$HERE/train.py" spm --data "$WORK/data" --out-prefix "$WORK/spm/sentencepiece" --vocab-size 6000
    train_one() {
        "$VPY" "$HERE/train.py" model "${COMMON[@]}" --data "$WORK/data" --spm "$WORK/spm/sentencepiece.model" \
            --direction "$1" --out "$WORK/models/$1" --max-steps "${STEPS[$1]}" > "$WORK/train_$1.log" 2>&1
        tail -n 2 "$WORK/train_$1.log"
    }
    run_directions train_one
else
    from_git "${STAGE1#git:}" "$WORK/models"
fi
FINAL="$WORK/models"
DATA="$WORK/data"

# ---- stages 2 to 6: continue the stage before on the corpus grown again -------------------
continue_one() {  # continue_one <direction>: that direction of stage $STAGE_N, from $STAGE_FROM
    local steps offset
    case "$STAGE_N" in
        2) steps="${STEPS2[$1]}"; offset="${STEPS[$1]}" ;;
        3) steps="${STEPS3[$1]}"; offset="$((STEPS[$1] + STEPS2[$1]))" ;;
        4) steps="${STEPS4[$1]}"; offset="$((STEPS[$1] + STEPS2[$1] + STEPS3[$1]))" ;;
        5) steps="${STEPS5[$1]}"; offset="$((STEPS[$1] + STEPS2[$1] + STEPS3[$1] + STEPS4[$1]))" ;;
        6) steps="${STEPS6[$1]}"; offset="$((STEPS[$1] + STEPS2[$1] + STEPS3[$1] + STEPS4[$1] + STEPS5[$1]))" ;;
    esac
    local extra=()
    [ "$STAGE_N" -ge 6 ] && extra=(--ema 0.999)
    [ "$steps" = "0" ] && steps=1000000000  # not fixed yet: the wall-clock budget decides
    "$VPY" "$HERE/train.py" model "${COMMON[@]}" --data "$WORK/data$STAGE_N" --spm "$WORK/spm/sentencepiece.model" \
        --direction "$1" --out "$WORK/models$STAGE_N/$1" --init-from-ct2 "$STAGE_FROM/$1/model/model.bin" \
        --step-offset "$offset" --max-steps "$steps" "${extra[@]}" > "$WORK/train${STAGE_N}_$1.log" 2>&1
    tail -n 2 "$WORK/train${STAGE_N}_$1.log"
}
continue_stage() {  # continue_stage <2 to 6> <the previous stage's models>
    STAGE_N="$1" STAGE_FROM="$2"
    "$VPY" "$HERE/corpus.py" --stage "$STAGE_N" --out "$WORK/data$STAGE_N" --seed "$SEED" \
        --corpus-dir "${CORPUS_DIR:-$HERE/corpus}"
    run_directions continue_one
    FINAL="$WORK/models$STAGE_N"
    DATA="$WORK/data$STAGE_N"
}

if [ "$STAGE5" != "train" ]; then
    from_git "${STAGE5#git:}" "$WORK/models5"
    FINAL="$WORK/models5"
elif [ "$STAGE4" != "train" ]; then
    from_git "${STAGE4#git:}" "$WORK/models4"
    FINAL="$WORK/models4"
else
    if [ "$STAGE3" != "train" ]; then
        from_git "${STAGE3#git:}" "$WORK/models3"
        FINAL="$WORK/models3"
    else
        if [ "$STAGE2" != "train" ]; then
            from_git "${STAGE2#git:}" "$WORK/models2"
            FINAL="$WORK/models2"
        elif [ "$STAGES" -ge 2 ]; then
            continue_stage 2 "$WORK/models"
        fi
        if [ "$STAGES" -ge 3 ]; then
            continue_stage 3 "$WORK/models2"
        fi
    fi
    if [ "$STAGES" -ge 4 ]; then
        continue_stage 4 "$WORK/models3"
    fi
fi
if [ "$STAGE5" = "train" ] && [ "$STAGES" -ge 5 ]; then
    continue_stage 5 "$WORK/models4"
fi
if [ "$STAGES" -ge 6 ]; then
    continue_stage 6 "$WORK/models5"
fi

"$VPY" "$HERE/lexicon.py"  # the gate's lexicons from every corpus file: translation/bundled/lexicon/
"$VPY" "$HERE/package.py" --models "$FINAL" --spm "$WORK/spm/sentencepiece.model" \
    --data "$DATA" --out "$ROOT/translation/bundled" --staging "$WORK/staging"
echo "done: translation/bundled/*.argosmodel"
