#!/bin/bash
# Every ensemble of results/ravdess_emobox_lite_ensembles/, from the runs' folders (nothing retrained).
set -e
F30=ravdess_emobox_fast30; MW=ravdess_emobox_fast30_melwarp; AMW=ravdess_emobox_fast30_acrnn_melwarp
GW=ravdess_emobox_fast30_gn_wn; AGW=ravdess_emobox_fast30_acrnn-r_gn_wn; A30=ravdess_emobox_fast30_acrnn
E=ensembles
ssaser ensemble fast30=$F30/ssa-crnn-r melwarp=$MW/ssa-crnn-r gn_wn=$GW/ssa-crnn-r --out $E/ssa-crnn-r_3
ssaser ensemble fast30=$F30/acrnn-r melwarp=$AMW/acrnn-r gn_wn=$AGW/acrnn-r --out $E/acrnn-r_3
ssaser ensemble fast30=$F30/ssa-crnn-r melwarp=$MW/ssa-crnn-r --out $E/ssa-crnn-r_2
ssaser ensemble fast30=$F30/acrnn-r melwarp=$AMW/acrnn-r --out $E/acrnn-r_2
ssaser ensemble fast30=$A30/acrnn melwarp=$AMW/acrnn --out $E/acrnn_2
ssaser ensemble ssa.fast30=$F30/ssa-crnn-r ssa.melwarp=$MW/ssa-crnn-r ssa.gn_wn=$GW/ssa-crnn-r \
                acrnn-r.fast30=$F30/acrnn-r acrnn-r.melwarp=$AMW/acrnn-r acrnn-r.gn_wn=$AGW/acrnn-r \
                acrnn.fast30=$A30/acrnn acrnn.melwarp=$AMW/acrnn --out $E/all_8
ssaser compare $E/acrnn-r_3 $E/ssa-crnn-r_3 > $E/compare_ssa3_minus_acrnn-r3.txt
ssaser compare $E/acrnn-r_2 $E/ssa-crnn-r_2 > $E/compare_ssa2_minus_acrnn-r2.txt
ssaser compare $E/acrnn_2 $E/acrnn-r_2 > $E/compare_acrnn-r2_minus_acrnn2.txt
ssaser compare $E/ssa-crnn-r_3 $E/all_8 > $E/compare_all8_minus_ssa3.txt
ssaser ensemble fast30=$F30/ssa-crnn-r gn_wn=$GW/ssa-crnn-r --out $E/ssa-crnn-r_2gw
ssaser ensemble fast30=$F30/acrnn-r gn_wn=$AGW/acrnn-r --out $E/acrnn-r_2gw
ssaser compare $E/acrnn-r_2gw $E/ssa-crnn-r_2gw > $E/compare_ssa2gw_minus_acrnn-r2gw.txt
