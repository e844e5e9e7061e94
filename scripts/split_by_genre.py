"""Splits MovieLens-100k (RecBole atomic files) into two catalogs with no movie in common, for the
demo's transfer loop: movies with any of the genres in --genres go to the first part, the rest to
the second. Interactions follow their movie; users appear in both parts.

    python3 scripts/split_by_genre.py .cache/ml-100k .cache/demo/data
        -> .cache/demo/data/ml-action/ml-action.{inter,item} and .cache/demo/data/ml-drama/ml-drama.{inter,item}
"""
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("source")
parser.add_argument("out")
parser.add_argument("--genres", default="Action,Adventure,Sci-Fi,Thriller,War,Crime,Horror,Western,Mystery,Film-Noir,Fantasy")
parser.add_argument("--names", default="ml-action,ml-drama")
args = parser.parse_args()
genres = set(args.genres.split(","))
names = args.names.split(",")

with open(os.path.join(args.source, "ml-100k.item"), encoding="utf-8", errors="replace") as f:
    header, *rows = f.read().splitlines()
column = header.split("\t").index("class:token_seq")
part = {}
items = {name: [header] for name in names}
for row in rows:
    fields = row.split("\t")
    first = any(g in genres for g in fields[column].split())
    part[fields[0]] = names[0] if first else names[1]
    items[part[fields[0]]].append(row)

with open(os.path.join(args.source, "ml-100k.inter"), encoding="utf-8") as f:
    inter_header, *inter_rows = f.read().splitlines()
inters = {name: [inter_header] for name in names}
for row in inter_rows:
    inters[part[row.split("\t")[1]]].append(row)

for name in names:
    folder = os.path.join(args.out, name)
    os.makedirs(folder, exist_ok=True)
    for suffix, lines in ((".item", items[name]), (".inter", inters[name])):
        tmp = os.path.join(folder, name + suffix + ".part")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, os.path.join(folder, name + suffix))
    print(f"{name}: {len(items[name]) - 1} movies, {len(inters[name]) - 1} ratings")
