use super::*;

fn entity(name: &str, ty: &str, obs: &[&str]) -> Entity {
    Entity {
        name: name.into(),
        entity_type: ty.into(),
        observations: obs.iter().map(|o| o.to_string()).collect(),
    }
}

fn rel(from: &str, to: &str, ty: &str) -> Relation {
    Relation {
        from: from.into(),
        to: to.into(),
        relation_type: ty.into(),
    }
}

fn names(graph: &Graph) -> Vec<&str> {
    graph.entities.iter().map(|e| e.name.as_str()).collect()
}

fn store() -> Store {
    Store::open_in_memory().expect("open")
}

#[test]
fn create_skips_existing_names_and_relations() {
    let mut s = store();
    let first = s
        .create_entities(&[entity("a", "person", &["x"]), entity("b", "city", &[])])
        .expect("create");
    assert_eq!(first.len(), 2);
    let again = s
        .create_entities(&[entity("a", "other", &["y"]), entity("c", "person", &[])])
        .expect("create");
    assert_eq!(
        names(&Graph {
            entities: again,
            relations: vec![]
        }),
        ["c"]
    );
    let r = s
        .create_relations(&[rel("a", "b", "lives_in"), rel("a", "b", "lives_in")])
        .expect("relations");
    assert_eq!(r.len(), 1);
    assert!(
        s.create_relations(&[rel("a", "b", "lives_in")])
            .expect("again")
            .is_empty()
    );
    let graph = s.read_graph().expect("read");
    assert_eq!(names(&graph), ["a", "b", "c"]);
    assert_eq!(graph.entities[0].observations, ["x"]);
    assert_eq!(graph.relations, [rel("a", "b", "lives_in")]);
}

#[test]
fn add_observations_dedups_and_unknown_entity_changes_nothing() {
    let mut s = store();
    s.create_entities(&[entity("a", "t", &["one"])])
        .expect("create");
    let added = s
        .add_observations(&[ObservationAdd {
            entity_name: "a".into(),
            contents: vec!["one".into(), "two".into()],
        }])
        .expect("add");
    assert_eq!(added[0].added_observations, ["two"]);
    let err = s
        .add_observations(&[
            ObservationAdd {
                entity_name: "a".into(),
                contents: vec!["three".into()],
            },
            ObservationAdd {
                entity_name: "missing".into(),
                contents: vec!["x".into()],
            },
        ])
        .expect_err("unknown entity");
    assert_eq!(err.to_string(), "Entity with name missing not found");
    let graph = s.read_graph().expect("read");
    assert_eq!(graph.entities[0].observations, ["one", "two"]);
}

#[test]
fn delete_entity_cascades_to_relations_observations_and_search() {
    let mut s = store();
    s.create_entities(&[entity("a", "t", &["secret word"]), entity("b", "t", &[])])
        .expect("create");
    s.create_relations(&[rel("a", "b", "r"), rel("b", "a", "r"), rel("b", "b", "r")])
        .expect("relations");
    s.delete_entities(&["a".into()]).expect("delete");
    let graph = s.read_graph().expect("read");
    assert_eq!(names(&graph), ["b"]);
    assert_eq!(graph.relations, [rel("b", "b", "r")]);
    assert!(
        s.search_nodes("secret")
            .expect("search")
            .entities
            .is_empty()
    );
    // Re-created, it starts without its old observations and goes last.
    s.create_entities(&[entity("a", "t", &[])]).expect("create");
    let graph = s.read_graph().expect("read");
    assert_eq!(names(&graph), ["b", "a"]);
    assert!(graph.entities[1].observations.is_empty());
}

#[test]
fn delete_observations_and_relations() {
    let mut s = store();
    s.create_entities(&[entity("a", "t", &["o1", "o2", "o3"])])
        .expect("create");
    s.create_relations(&[rel("a", "a", "self"), rel("a", "x", "r")])
        .expect("rel");
    s.delete_observations(&[
        ObservationDelete {
            entity_name: "a".into(),
            observations: vec!["o2".into(), "nope".into()],
        },
        ObservationDelete {
            entity_name: "missing".into(),
            observations: vec!["o1".into()],
        },
    ])
    .expect("delete");
    s.delete_relations(&[rel("a", "x", "r"), rel("q", "q", "q")])
        .expect("delete");
    let graph = s.read_graph().expect("read");
    assert_eq!(graph.entities[0].observations, ["o1", "o3"]);
    assert_eq!(graph.relations, [rel("a", "a", "self")]);
    assert!(s.search_nodes("o2").expect("search").entities.is_empty());
    assert_eq!(names(&s.search_nodes("O3").expect("search")), ["a"]);
}

#[test]
fn search_is_case_insensitive_substring_of_one_field() {
    let mut s = store();
    s.create_entities(&[
        entity("Alice", "Person", &["Likes Rust"]),
        entity("Bob", "person", &["likes Go"]),
        entity("Paris", "City", &[]),
        entity("Ünïcode", "ΣΊΣΥΦΟΣ", &[]),
    ])
    .expect("create");
    s.create_relations(&[
        rel("Alice", "Paris", "visits"),
        rel("Paris", "Bob", "hosts"),
    ])
    .expect("rel");
    let hits = s.search_nodes("RUST").expect("search");
    assert_eq!(names(&hits), ["Alice"]);
    assert_eq!(hits.relations, [rel("Alice", "Paris", "visits")]);
    assert_eq!(
        names(&s.search_nodes("person").expect("s")),
        ["Alice", "Bob"]
    );
    // Shorter than a trigram.
    assert_eq!(names(&s.search_nodes("go").expect("s")), ["Bob"]);
    assert_eq!(names(&s.search_nodes("").expect("s")).len(), 4);
    // Never across two fields: "alice\nperson" holds "e\np" only in the index.
    assert!(s.search_nodes("ep").expect("s").entities.is_empty());
    assert!(s.search_nodes("alicep").expect("s").entities.is_empty());
    assert_eq!(names(&s.search_nodes("ünï").expect("s")), ["Ünïcode"]);
    assert_eq!(names(&s.search_nodes("σίσ").expect("s")), ["Ünïcode"]);
    // FTS5 syntax in a query is just text.
    assert!(
        s.search_nodes("\"a OR b\" *")
            .expect("s")
            .entities
            .is_empty()
    );
    assert_eq!(names(&s.search_nodes("%").expect("s")).len(), 0);
}

#[test]
fn open_nodes_has_relations_with_either_end_opened() {
    let mut s = store();
    s.create_entities(&[
        entity("a", "t", &[]),
        entity("b", "t", &[]),
        entity("c", "t", &[]),
    ])
    .expect("create");
    s.create_relations(&[rel("a", "b", "r"), rel("b", "c", "r"), rel("c", "zz", "r")])
        .expect("rel");
    let graph = s
        .open_nodes(&["c".into(), "a".into(), "missing".into()])
        .expect("open");
    assert_eq!(names(&graph), ["a", "c"]);
    assert_eq!(
        graph.relations,
        [rel("a", "b", "r"), rel("b", "c", "r"), rel("c", "zz", "r")]
    );
}

#[test]
fn opens_a_file_and_keeps_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub/memory.sqlite");
    {
        let mut s = Store::open(&path).expect("open");
        s.create_entities(&[entity("a", "t", &["o"])])
            .expect("create");
    }
    let mut s = Store::open(&path).expect("reopen");
    assert_eq!(names(&s.read_graph().expect("read")), ["a"]);
}
